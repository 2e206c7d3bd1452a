/** The shapes timetables speak in: parsed schedules, data intervals, runs, options. */

/** A half-open window of time `[start, end)` a run processes (Airflow's DataInterval). */
export interface DataInterval {
  start: Date;
  end: Date;
}

/** One DAG run a timetable asks for (Airflow's DagRunInfo, with its logical date spelled out). */
export interface RunInfo {
  /** The date the run is named after: `ds` and `ts` in templates. */
  logicalDate: Date;
  dataIntervalStart: Date;
  dataIntervalEnd: Date;
  /** The earliest instant the scheduler may create the run. */
  runAfter: Date;
}

/**
 * How a run relates to its schedule.
 * - `airflow2`: a run covers the interval between two scheduled times and starts when it
 *   ends; its logical date is the interval's start (CronDataIntervalTimetable).
 * - `airflow3`: a run starts at the scheduled time and is named after it; its data interval
 *   has length zero (CronTriggerTimetable, DeltaTriggerTimetable).
 */
export type Semantics = "airflow2" | "airflow3";

/** A schedule as `parseSchedule` understood it. */
export type ScheduleSpec =
  | { kind: "manual" }
  | { kind: "once" }
  | {
      kind: "cron";
      /** Five fields: minute, hour, day of month, month, day of week. */
      expression: string;
      /** The preset it came from, such as `@daily`, when it came from one. */
      preset?: string;
    }
  | {
      kind: "interval";
      /** Length of each interval in milliseconds, always > 0. */
      milliseconds: number;
      /** The text the user wrote, such as `"2h"`. */
      text: string;
    };

/** What a timetable is built from: the scheduling options of a DAG. */
export interface TimetableOptions {
  /** Cron expression, preset, fixed interval (`"2h"`) or `null` for manual runs only. */
  schedule: string | null;
  /** The first data interval starts at (or, for cron, after) this instant. */
  startDate: Date;
  /** No data interval ends after this instant. */
  endDate?: Date;
  /** Create a run for every missed interval (`true`) or only the latest one (`false`). */
  catchup: boolean;
  /**
   * IANA time zone the cron expression is evaluated in.
   * @default "UTC"
   */
  timezone?: string;
  /** @default "airflow2" */
  semantics?: Semantics;
}

/**
 * Turns a schedule into runs, modelled on Airflow's Timetable protocol. Pure: every method
 * takes the current time as an argument and never reads the clock.
 */
export interface Timetable {
  /** A sentence for people, such as "every day at 12:00 UTC". */
  readonly description: string;
  readonly schedule: ScheduleSpec;
  readonly semantics: Semantics;
  /**
   * The next automated run after `lastAutomated` (Airflow's `next_dagrun_info`), or `null`
   * if the DAG will never run automatically again. Its `runAfter` may be later than `now`.
   * With catchup off, `now` decides which intervals are skipped.
   */
  nextRun(lastAutomated: DataInterval | null, now: Date): RunInfo | null;
  /**
   * Every automated run after `lastAutomated` whose `runAfter` is at or before `now`, oldest
   * first, at most `limit` of them; `truncated` says more were due.
   */
  dueRuns(lastAutomated: DataInterval | null, now: Date, limit: number): { due: RunInfo[]; truncated: boolean };
  /**
   * The run a manual trigger at `triggeredAt` creates (Airflow's
   * `infer_manual_data_interval`); its logical date is the trigger time.
   */
  manualRun(triggeredAt: Date): RunInfo;
}
