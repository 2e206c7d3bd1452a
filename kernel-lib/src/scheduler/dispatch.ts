import type { SerializedTask } from "../dag/serialize.js";
import { decideRun } from "../engine/runEngine.js";
import type { TaskJob } from "../executor/protocol.js";
import type { DagRunRecord } from "../records.js";
import { executionTimeoutMessage } from "../runtime/attempt.js";
import { attemptRequestFor } from "../runtime/attemptRequest.js";
import { admitTasks, type Candidate } from "./admission.js";
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
  let instances = store.taskInstances(run.dagId, run.runId);
  // Tasks added to the DAG file since the run was created get their instance now.
  // (Sets and maps, not nested searches: this runs every turn, and a 1,000-task run made it quadratic.)
  const instanceIds = new Set(instances.map((ti) => ti.taskId));
  const missing = dag.tasks.filter((task) => !instanceIds.has(task.taskId));
  if (missing.length > 0) {
    void store.addTaskInstances(
      run.dagId,
      run.runId,
      missing.map((task) => newTaskInstance(run.dagId, run.runId, task)),
    );
    instances = store.taskInstances(run.dagId, run.runId);
  }
  const snapshot = Object.fromEntries(
    instances.filter((ti) => engine.tasks.has(ti.taskId)).map((ti) => [ti.taskId, ti]),
  );
  const decision = decideRun(engine, snapshot, now);
  if (decision.changes.length > 0) void store.updateTaskInstances(run.dagId, run.runId, decision.changes.map(toPatch));
  for (const taskId of decision.timedOut) {
    const ti = snapshot[taskId]!;
    const limit = engine.tasks.get(taskId)?.executionTimeoutMs ?? 0;
    core.afterCommit(() =>
      core.executor.cancel(
        { dagId: run.dagId, runId: run.runId, taskId, tryNumber: ti.tryNumber },
        executionTimeoutMessage(taskId, limit),
      ),
    );
  }
  if (decision.runState !== "running") {
    const endDate = now.toISOString();
    void store.updateRun(run.dagId, run.runId, { state: decision.runState, endDate });
    const finished = { ...run, state: decision.runState, endDate };
    const taskInstances = store.taskInstances(run.dagId, run.runId);
    core.afterCommit(() => core.events.emit("run-finished", { dag, run: finished, taskInstances }));
    return { ready: [], nextWake: Number.POSITIVE_INFINITY };
  }
  const tasksById = new Map(dag.tasks.map((task) => [task.taskId, task]));
  const ready = decision.ready.map((taskId) => {
    const task = tasksById.get(taskId)!;
    return { dagId: run.dagId, runId: run.runId, taskId, pool: task.pool, poolSlots: task.poolSlots };
  });
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
    byRun.set(runKey, [...(byRun.get(runKey) ?? []), candidate]);
  }
  for (const group of byRun.values()) {
    const { dagId, runId } = group[0]!;
    const run = store.getRun(dagId, runId)!;
    const dag = store.getDag(dagId)!;
    const instances = new Map(store.taskInstances(dagId, runId).map((ti) => [ti.taskId, ti]));
    const patches = group.map((candidate) => {
      const tryNumber = instances.get(candidate.taskId)!.tryNumber + 1;
      return {
        taskId: candidate.taskId,
        state: "queued" as const,
        tryNumber,
        logPath: taskLogPath(settings.baseLogFolder, dagId, runId, candidate.taskId, tryNumber),
        nextRetryAt: undefined,
      };
    });
    void store.updateTaskInstances(dagId, runId, patches);
    const environment = {
      dagParams: dag.params,
      xcoms: store.xcoms(dagId, runId),
      variables: store.variables(),
      connections: store.connections(),
      xcomMaxBytes: settings.xcomMaxBytes,
    };
    for (const patch of patches) {
      const task = dag.tasks.find((candidate) => candidate.taskId === patch.taskId) as SerializedTask;
      const key = { dagId, runId, taskId: patch.taskId, tryNumber: patch.tryNumber };
      core.running.set(attemptKeyString(key), { key, pool: task.pool, poolSlots: task.poolSlots });
      const job: TaskJob = {
        key,
        dagFile: dag.fileloc,
        logPath: patch.logPath,
        ...(task.queue !== undefined ? { queue: task.queue } : {}),
        request: attemptRequestFor(
          run,
          { taskId: patch.taskId, tryNumber: patch.tryNumber, maxTries: instances.get(patch.taskId)!.maxTries },
          environment,
        ),
      };
      core.afterCommit(() => core.executor.submit(job));
    }
  }
}
