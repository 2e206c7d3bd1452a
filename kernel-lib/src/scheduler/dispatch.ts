import type { TaskJob } from "../executor/protocol.js";
import type { DagRunRecord } from "../records.js";
import { executionTimeoutMessage } from "../runtime/attempt.js";
import { attemptRequestFor } from "../runtime/attemptRequest.js";
import { admitTasks, type Candidate } from "./admission.js";
import { indexRunXComs, xcomsForAttempt } from "./attemptXComs.js";
import { attemptKeyString, type SchedulerCore, toPatch } from "./core.js";
import { taskLogPath } from "../runtime/logPaths.js";
import { newTaskInstance } from "./runCreation.js";

/** A ready task of one run, before admission gives it a priority. */
export type ReadyTask = Omit<Candidate, "priority">;

/**
 * Applies the engine's decision to one run at wall time `now`: starts a queued run when it
 * may, records the task states the engine decided, cancels attempts past their timeout and
 * ends the run when its leaves are done. Returns its ready tasks and next wake-up (epoch ms).
 */
export function advanceRun(
  core: SchedulerCore,
  run: DagRunRecord,
  now: Date,
): { ready: ReadyTask[]; nextWake: number } {
  const { store, settings } = core;
  const entry = core.engineFor(run.dagId);
  if (!entry) return { ready: [], nextWake: Number.POSITIVE_INFINITY };
  const { dag, engine } = entry;
  if (run.state === "queued") {
    // As in Airflow, a queued run of a paused DAG (a manual trigger included) waits until the DAG is
    // unpaused; a backfill runs regardless, as `airflow dags backfill` does, and leaves the pause alone.
    const paused = store.dagStatuses().find((status) => status.dagId === run.dagId)?.isPaused;
    if (paused && run.runType !== "backfill") return { ready: [], nextWake: Number.POSITIVE_INFINITY };
    const runningRuns = store
      .activeRuns()
      .filter((other) => other.dagId === run.dagId && other.state === "running").length;
    if (runningRuns >= (dag.maxActiveRuns ?? settings.maxActiveRunsPerDag))
      return { ready: [], nextWake: Number.POSITIVE_INFINITY };
    void store.updateRun(run.dagId, run.runId, { state: "running", startDate: run.startDate ?? now.toISOString() });
    run = { ...run, state: "running" };
  }
  const readiness = core.readinessOf(run.dagId, run.runId, engine);
  if (!readiness.instancesChecked) {
    // Tasks added to the DAG file since the run was created get their instance now (the
    // store tells the readiness of them); once per DAG version, not every turn.
    const view = store.taskInstanceView(run.dagId, run.runId);
    const missing = dag.tasks.filter((task) => view[task.taskId] === undefined);
    if (missing.length > 0)
      void store.addTaskInstances(
        run.dagId,
        run.runId,
        missing.map((task) => newTaskInstance(run.dagId, run.runId, task)),
      );
    readiness.instancesChecked = true;
  }
  const view = store.taskInstanceView(run.dagId, run.runId);
  const decision = readiness.decide(view, now);
  if (decision.changes.length > 0) void store.updateTaskInstances(run.dagId, run.runId, decision.changes.map(toPatch));
  for (const taskId of decision.timedOut) {
    const tryNumber = view[taskId]!.tryNumber;
    const limit = engine.tasks.get(taskId)?.executionTimeoutMs ?? 0;
    core.afterCommit(() =>
      core.executor.cancel(
        { dagId: run.dagId, runId: run.runId, taskId, tryNumber },
        executionTimeoutMessage(taskId, limit),
      ),
    );
  }
  const runState = readiness.runState(view);
  if (runState !== "running") {
    const endDate = now.toISOString();
    void store.updateRun(run.dagId, run.runId, { state: runState, endDate });
    const finished = { ...run, state: runState, endDate };
    const taskInstances = store.taskInstances(run.dagId, run.runId);
    core.afterCommit(() => core.events.emit("run-finished", { dag, run: finished, taskInstances }));
    return { ready: [], nextWake: Number.POSITIVE_INFINITY };
  }
  // No more of a run's ready tasks than the executor has free slots, per pool, go to admission:
  // the rest could not start this turn anyway, and a 1,000-wide run offered them all every turn.
  const ready: ReadyTask[] = [];
  const offeredPerPool = new Map<string, number>();
  const freeSlots = core.executor.freeSlots;
  for (const taskId of decision.ready) {
    const task = entry.tasks.get(taskId)!;
    const offered = offeredPerPool.get(task.pool) ?? 0;
    if (offered >= freeSlots) continue;
    offeredPerPool.set(task.pool, offered + 1);
    ready.push({ dagId: run.dagId, runId: run.runId, taskId, pool: task.pool, poolSlots: task.poolSlots });
  }
  return { ready, nextWake: decision.nextWakeAt ? Date.parse(decision.nextWakeAt) : Number.POSITIVE_INFINITY };
}

/** Admits ready tasks under parallelism, maxActiveTasks and pools, records them queued, submits them. */
export function startTasks(core: SchedulerCore, candidates: readonly Candidate[]): void {
  if (candidates.length === 0) return;
  const { store, settings } = core;
  const runningPerDag = new Map<string, number>();
  const poolUsed = new Map<string, number>();
  for (const { key, pool, poolSlots } of core.running.values()) {
    runningPerDag.set(key.dagId, (runningPerDag.get(key.dagId) ?? 0) + 1);
    poolUsed.set(pool, (poolUsed.get(pool) ?? 0) + poolSlots);
  }
  const pools = store.poolSizes();
  const { admitted } = admitTasks(candidates, {
    freeSlots: core.executor.freeSlots,
    maxActiveTasks: (dagId) => store.getDag(dagId)?.maxActiveTasks ?? settings.maxActiveTasksPerDag,
    runningPerDag,
    poolSize: (pool) => pools.get(pool),
    poolUsed,
  });
  const byRun = new Map<string, Candidate[]>();
  for (const candidate of admitted) {
    const runKey = `${candidate.dagId}\u0000${candidate.runId}`;
    const group = byRun.get(runKey);
    if (group) group.push(candidate);
    else byRun.set(runKey, [candidate]);
  }
  for (const group of byRun.values()) {
    const { dagId, runId } = group[0]!;
    const run = store.getRun(dagId, runId)!;
    const { dag, engine, tasks: tasksById } = core.engineFor(dagId)!;
    const instances = store.taskInstanceView(dagId, runId);
    const patches = group.map((candidate) => {
      const tryNumber = instances[candidate.taskId]!.tryNumber + 1;
      return {
        taskId: candidate.taskId,
        state: "queued" as const,
        tryNumber,
        logPath: taskLogPath(settings.baseLogFolder, dagId, runId, candidate.taskId, tryNumber),
        nextRetryAt: undefined,
      };
    });
    void store.updateTaskInstances(dagId, runId, patches);
    const runXComs = indexRunXComs(store.xcoms(dagId, runId));
    const environment = {
      dagParams: dag.params,
      variables: store.variables(),
      connections: store.connections(),
      xcomMaxBytes: settings.xcomMaxBytes,
    };
    for (const patch of patches) {
      const task = tasksById.get(patch.taskId)!;
      const { xcoms, omitted } = xcomsForAttempt(engine, patch.taskId, runXComs);
      const key = { dagId, runId, taskId: patch.taskId, tryNumber: patch.tryNumber };
      core.running.set(attemptKeyString(key), { key, pool: task.pool, poolSlots: task.poolSlots });
      const job: TaskJob = {
        key,
        dagFile: dag.fileloc,
        logPath: patch.logPath,
        ...(task.queue !== undefined ? { queue: task.queue } : {}),
        request: attemptRequestFor(
          run,
          { taskId: patch.taskId, tryNumber: patch.tryNumber, maxTries: instances[patch.taskId]!.maxTries },
          { ...environment, xcoms, omittedXComs: omitted },
        ),
      };
      core.afterCommit(() => core.executor.submit(job));
    }
  }
}
