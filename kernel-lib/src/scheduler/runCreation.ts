import type { SerializedDag, SerializedTask } from "../dag/serialize.js";
import { ConflictError, NotFoundError, type Result } from "../errors.js";
import type { DagRunRecord, TaskInstanceRecord } from "../records.js";
import { runIdFor } from "../runtime/runIds.js";
import type { DagRunType } from "../states.js";
import { createTimetable, type RunInfo, type Timetable } from "../timetable/index.js";
import type { SchedulerCore } from "./core.js";
import type { SchedulerSettings } from "./settings.js";
import type { SchedulerStore } from "./schedulerStore.js";

export interface TriggerRequest {
  conf?: Record<string, unknown>;
  logicalDate?: Date;
  runId?: string;
  runType?: DagRunType;
  /** For backfill runs: the interval the run covers. */
  interval?: RunInfo;
}

/**
 * A DAG's timetable under the scheduler's settings (catchup and semantics default to the
 * configuration's); a backfill overrides the start and forces catchup.
 */
export function timetableFor(
  dag: SerializedDag,
  settings: Pick<SchedulerSettings, "catchupByDefault" | "semantics">,
  override: { startDate?: Date; catchup?: boolean } = {},
): Result<Timetable> {
  return createTimetable({
    schedule: dag.schedule,
    startDate: override.startDate ?? new Date(dag.startDate ?? 0),
    endDate: dag.endDate ? new Date(dag.endDate) : undefined,
    catchup: override.catchup ?? dag.catchup ?? settings.catchupByDefault,
    timezone: dag.timezone,
    semantics: dag.scheduleSemantics ?? settings.semantics,
  });
}

/** A task's instance in a new run: nothing tried yet. */
export function newTaskInstance(dagId: string, runId: string, task: SerializedTask): TaskInstanceRecord {
  return {
    dagId,
    runId,
    taskId: task.taskId,
    state: "none",
    tryNumber: 0,
    maxTries: task.retries + 1,
    pool: task.pool,
  };
}

export function requireDag(store: SchedulerStore, dagId: string): SerializedDag {
  const dag = store.getDag(dagId);
  if (!dag) {
    const known = store.dagStatuses().map((status) => status.dagId);
    throw new NotFoundError(`no DAG '${dagId}'${known.length > 0 ? `; known DAGs: ${known.join(", ")}` : ""}`);
  }
  return dag;
}

/** Records a queued run and one instance per task. */
export function createRun(
  core: SchedulerCore,
  dag: SerializedDag,
  info: RunInfo,
  runType: DagRunType,
  runId: string,
  conf: Record<string, unknown>,
): DagRunRecord {
  const run: DagRunRecord = {
    dagId: dag.dagId,
    runId,
    runType,
    state: "queued",
    logicalDate: info.logicalDate.toISOString(),
    dataIntervalStart: info.dataIntervalStart.toISOString(),
    dataIntervalEnd: info.dataIntervalEnd.toISOString(),
    runAfter: info.runAfter.toISOString(),
    queuedAt: core.wallNow().toISOString(),
    conf,
    externalTrigger: runType === "manual",
  };
  void core.store.createRun(
    run,
    dag.tasks.map((task) => newTaskInstance(dag.dagId, runId, task)),
  );
  return run;
}

/** Creates a manual run (Airflow's `dags trigger`); its logical date defaults to the scheduler clock's now. */
export function triggerRun(
  core: SchedulerCore,
  dagId: string,
  request: TriggerRequest,
  scheduleNow: Date,
): DagRunRecord {
  const dag = requireDag(core.store, dagId);
  const runType = request.runType ?? "manual";
  let logicalDate = request.logicalDate ?? scheduleNow;
  // "Now" twice in the same millisecond (a script triggering in a loop): the next millisecond.
  while (
    request.logicalDate === undefined &&
    request.runId === undefined &&
    core.store.getRun(dagId, runIdFor(runType, logicalDate))
  ) {
    logicalDate = new Date(logicalDate.getTime() + 1);
  }
  const timetable = timetableFor(dag, core.settings);
  const info = request.interval ??
    (timetable.ok ? timetable.value.manualRun(logicalDate) : undefined) ?? {
      logicalDate,
      dataIntervalStart: logicalDate,
      dataIntervalEnd: logicalDate,
      runAfter: logicalDate,
    };
  const runId = request.runId ?? runIdFor(runType, runType === "manual" ? logicalDate : info.logicalDate);
  if (core.store.getRun(dagId, runId))
    throw new ConflictError(`DAG '${dagId}' already has a run '${runId}'; choose another run id or logical date`);
  return createRun(
    core,
    dag,
    runType === "manual" ? { ...info, logicalDate } : info,
    runType,
    runId,
    request.conf ?? {},
  );
}

/**
 * Creates the scheduled runs that are due at `now` (the scheduler clock's), up to
 * maxActiveRuns. Returns when the next one is due (epoch ms on that clock), or Infinity.
 */
export function createDueRuns(
  core: SchedulerCore,
  dag: SerializedDag,
  last: { start: string; end: string } | undefined,
  now: Date,
): number {
  if (dag.schedule === null || !dag.startDate) return Number.POSITIVE_INFINITY;
  const timetable = timetableFor(dag, core.settings);
  if (!timetable.ok) return Number.POSITIVE_INFINITY;
  const maxActive = dag.maxActiveRuns ?? core.settings.maxActiveRunsPerDag;
  let active = core.store.activeRuns().filter((run) => run.dagId === dag.dagId).length;
  let lastInterval = last ? { start: new Date(last.start), end: new Date(last.end) } : null;
  while (active < maxActive) {
    const next = timetable.value.nextRun(lastInterval, now);
    if (!next) return Number.POSITIVE_INFINITY;
    if (next.runAfter > now) return next.runAfter.getTime();
    const runId = runIdFor("scheduled", next.logicalDate);
    if (!core.store.getRun(dag.dagId, runId)) {
      createRun(core, dag, next, "scheduled", runId, {});
      active += 1;
    }
    lastInterval = { start: next.dataIntervalStart, end: next.dataIntervalEnd };
  }
  return Number.POSITIVE_INFINITY;
}
