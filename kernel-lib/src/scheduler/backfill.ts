import type { SerializedDag } from "../dag/serialize.js";
import { ValidationError } from "../errors.js";
import type { DagRunRecord } from "../records.js";
import { runIdFor } from "../runtime/runIds.js";
import type { RunInfo } from "../timetable/index.js";
import type { SchedulerCore } from "./core.js";
import { createRun, requireDag, timetableFor } from "./runCreation.js";
import type { SchedulerSettings } from "./settings.js";

/** How far past `end` the timetable may look for the last interval starting before it. */
const LOOKAHEAD_MS = 400 * 86_400_000;
/** No backfill creates more runs than this in one call. */
const MAX_INTERVALS = 10_000;

/**
 * The intervals whose logical date lies in [start, end], as the DAG's timetable lists them
 * with catchup on (Airflow's `dags backfill`). Throws a ValidationError naming what to change.
 */
export function backfillIntervals(
  dag: SerializedDag,
  start: Date,
  end: Date,
  settings: Pick<SchedulerSettings, "catchupByDefault" | "semantics">,
): RunInfo[] {
  if (dag.schedule === null)
    throw new ValidationError(
      `DAG '${dag.dagId}' has schedule null (manual only), so it has no intervals to backfill; trigger it instead`,
    );
  if (end < start)
    throw new ValidationError(`--end-date ${end.toISOString()} is before --start-date ${start.toISOString()}`);
  const dagStart = new Date(dag.startDate ?? start);
  const timetable = timetableFor(dag, settings, { startDate: start > dagStart ? start : dagStart, catchup: true });
  if (!timetable.ok) throw new ValidationError(timetable.error);
  const intervals: RunInfo[] = [];
  let last: { start: Date; end: Date } | null = null;
  const far = new Date(end.getTime() + LOOKAHEAD_MS);
  for (let guard = 0; guard < MAX_INTERVALS; guard += 1) {
    const next = timetable.value.nextRun(last, far);
    if (!next || next.logicalDate > end) break;
    last = { start: next.dataIntervalStart, end: next.dataIntervalEnd };
    intervals.push(next);
  }
  if (intervals.length === 0)
    throw new ValidationError(
      `DAG '${dag.dagId}' has no interval with a logical date between ${start.toISOString()} and ${end.toISOString()}`,
    );
  return intervals;
}

/**
 * Creates a backfill run for every interval in [start, end]; an interval that already has a
 * backfill or scheduled run keeps it. The DAG's paused state is left as it is.
 */
export function createBackfillRuns(
  core: SchedulerCore,
  dagId: string,
  start: Date,
  end: Date,
  conf: Record<string, unknown>,
): DagRunRecord[] {
  const dag = requireDag(core.store, dagId);
  return backfillIntervals(dag, start, end, core.settings).map((interval) => {
    const runId = runIdFor("backfill", interval.logicalDate);
    const existing =
      core.store.getRun(dagId, runId) ?? core.store.getRun(dagId, runIdFor("scheduled", interval.logicalDate));
    return existing ?? createRun(core, dag, interval, "backfill", runId, conf);
  });
}
