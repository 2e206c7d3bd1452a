/** What a schedule would do at a given instant: the runs due, the next one, and warnings. */
import { describeValue, err, ok, type Result } from "../errors.js";
import { createTimetable, latestDueRun } from "./timetable.js";
import type { RunInfo, TimetableOptions } from "./types.js";

/** The most runs a preview lists unless asked otherwise. */
export const DEFAULT_PREVIEW_LIMIT = 1000;

export interface PreviewOptions extends TimetableOptions {
  /** The instant to preview at. */
  now: Date;
  /**
   * The most due runs to list; `truncated` says when more were due.
   * @default 1000
   */
  limit?: number;
}

export interface SchedulePreview {
  /** Every run that would exist at `now` for a DAG that never ran, oldest first. */
  due: RunInfo[];
  /** The first run not due yet, or null when there will be none. */
  next: RunInfo | null;
  truncated: boolean;
}

/**
 * Lists the runs a DAG with these options would have at `now` if it had never run before.
 *
 * @example
 * previewSchedule({ schedule: "@daily", startDate: new Date("2024-01-01"), catchup: true, now: new Date("2024-01-03") })
 * // due: 2024-01-01 and 2024-01-02 (each runs at the end of its day); next: 2024-01-03
 */
export function previewSchedule(options: PreviewOptions): Result<SchedulePreview> {
  if (!(options.now instanceof Date) || Number.isNaN(options.now.getTime())) {
    return err(`Expected \`now\` to be a valid Date, got ${describeValue(options.now)}`);
  }
  const limit = options.limit ?? DEFAULT_PREVIEW_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) {
    return err(`Expected \`limit\` to be a positive integer, got ${describeValue(limit)}`);
  }
  const timetable = createTimetable(options);
  if (!timetable.ok) return timetable;
  const { due, truncated } = timetable.value.dueRuns(null, options.now, limit);
  // Past a truncation the runs in between are not listed; the last due one is found directly.
  const lastDue = truncated ? latestDueRun(options, options.now) : due[due.length - 1];
  const after = lastDue ? { start: lastDue.dataIntervalStart, end: lastDue.dataIntervalEnd } : null;
  return ok({ due, next: timetable.value.nextRun(after, options.now), truncated });
}

/**
 * A sentence for the DAG's author when its first run is not what they may expect: its start
 * date is in the future (when will it first run?), or its end date leaves no complete
 * interval (it never will). `undefined` when there is nothing to say or the options are invalid.
 */
export function firstRunWarning(options: TimetableOptions & { now: Date }): string | undefined {
  if (options.schedule === null) return undefined;
  // The DAG's own catchup and semantics: with Airflow 3's, a run's logical date is when it runs.
  const timetable = createTimetable(options);
  if (!timetable.ok) return undefined;
  const first = timetable.value.nextRun(null, options.now);
  if (!first) {
    const endDate = options.endDate ? `endDate ${options.endDate.toISOString()}` : "its endDate";
    // Without catchup the scheduler starts from now, so intervals before an endDate in the past never run.
    if (!options.catchup && options.endDate !== undefined && options.endDate <= options.now) {
      return `This DAG will never run on its schedule: catchup is off, so only intervals from now on run, and ${endDate} has passed. Set catchup: true to run the intervals up to endDate, or move endDate later.`;
    }
    return `This DAG will never run on its schedule: ${endDate} comes before its first data interval starts. Move endDate later or startDate earlier.`;
  }
  if (options.startDate > options.now) {
    const covering =
      first.dataIntervalStart.getTime() === first.dataIntervalEnd.getTime()
        ? ""
        : `, covering ${first.dataIntervalStart.toISOString()} to ${first.dataIntervalEnd.toISOString()}`;
    return (
      `startDate ${options.startDate.toISOString()} is in the future: the first scheduled run ` +
      `(logical date ${first.logicalDate.toISOString()}${covering}) will start at ${first.runAfter.toISOString()}.`
    );
  }
  return undefined;
}
