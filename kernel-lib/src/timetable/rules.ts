/**
 * The scheduling rules of each kind of timetable, after Airflow's: which run comes next,
 * and which data interval a manual run covers. Pure functions of their arguments.
 */
import type { Grid } from "./grid.js";
import type { DataInterval, RunInfo } from "./types.js";

/** What the rules need to know about a DAG besides its schedule. */
export interface Restriction {
  startDate: Date;
  endDate?: Date;
  catchup: boolean;
}

/** The rules of one kind of timetable. */
export interface Rules {
  next(lastAutomated: DataInterval | null, now: Date, restriction: Restriction): RunInfo | null;
  manual(triggeredAt: Date): RunInfo;
}

function latest(...dates: (Date | null | undefined)[]): Date | null {
  let best: Date | null = null;
  for (const date of dates) if (date && (!best || date > best)) best = date;
  return best;
}

/** As Airflow's timetables: a run exists when its data interval STARTS at or before endDate. */
function endsInTime(run: RunInfo, restriction: Restriction): RunInfo | null {
  return restriction.endDate && run.dataIntervalStart > restriction.endDate ? null : run;
}

function exact(time: Date): RunInfo {
  return { logicalDate: time, dataIntervalStart: time, dataIntervalEnd: time, runAfter: time };
}

/** `schedule: null`: nothing runs on its own; a manual run covers the instant it was triggered. */
export const manualRules: Rules = {
  next: () => null,
  manual: exact,
};

/** `@once` (OnceTimetable): one run at the start date, whatever catchup says. */
export const onceRules: Rules = {
  next: (lastAutomated, _now, restriction) =>
    lastAutomated ? null : endsInTime(exact(restriction.startDate), restriction),
  manual: exact,
};

/**
 * Where a DAG without catchup starts at `now` (Airflow's `_skip_to_latest`): the start of the
 * latest interval complete at `now`, or null past the calendar's reach.
 */
export type SkipToLatest = (now: Date) => Date | null;

/**
 * Airflow 2's data-interval timetables (CronDataIntervalTimetable, DeltaDataIntervalTimetable):
 * a run covers `[start, next scheduled time)`, is named after `start` and runs at the end.
 * With catchup off, the first candidate is where `skipToLatest` says, or the start date when
 * that is later. `manualInterval` is how a manual run's interval is inferred.
 */
export function dataIntervalRules(
  grid: Grid,
  skipToLatest: SkipToLatest,
  manualInterval: (triggeredAt: Date) => DataInterval,
): Rules {
  return {
    next(lastAutomated, now, restriction) {
      let earliest = grid.alignNext(restriction.startDate);
      if (!restriction.catchup) earliest = latest(earliest, skipToLatest(now));
      const start = lastAutomated ? latest(grid.alignPrev(lastAutomated.end), earliest) : earliest;
      if (!start) return null;
      const end = grid.next(start);
      if (!end) return null;
      return endsInTime(
        { logicalDate: start, dataIntervalStart: start, dataIntervalEnd: end, runAfter: end },
        restriction,
      );
    },
    manual(triggeredAt) {
      const interval = manualInterval(triggeredAt);
      return {
        logicalDate: triggeredAt,
        dataIntervalStart: interval.start,
        dataIntervalEnd: interval.end,
        runAfter: triggeredAt,
      };
    },
  };
}

/**
 * CronDataIntervalTimetable's skip: the interval that ends at `now` when `now` is on the
 * schedule, else the latest one that ended before it.
 */
export function cronSkipToLatest(grid: Grid): SkipToLatest {
  return (now) => {
    const lastStart = grid.prev(now);
    const nextStart = lastStart && grid.next(lastStart);
    if (!lastStart || !nextStart) return null;
    return nextStart.getTime() === now.getTime() ? lastStart : grid.prev(lastStart);
  };
}

/**
 * DeltaDataIntervalTimetable's skip: intervals are counted from the Unix epoch, so a `30m`
 * DAG looked at 20:07 starts its latest complete interval at 19:30, whatever its start date.
 */
export function deltaSkipToLatest(milliseconds: number): SkipToLatest {
  return (now) => {
    const seconds = Math.floor(now.getTime() / 1000);
    const stepSeconds = milliseconds / 1000;
    const rounded = (seconds - (seconds % stepSeconds)) * 1000;
    return new Date(rounded - milliseconds);
  };
}

/** Airflow 2's rule for cron: the latest complete interval ending at or before the trigger. */
export function cronManualInterval(grid: Grid): (triggeredAt: Date) => DataInterval {
  return (triggeredAt) => {
    const end = grid.alignPrev(triggeredAt);
    const start = end && grid.prev(end);
    return end && start ? { start, end } : { start: triggeredAt, end: triggeredAt };
  };
}

/** Airflow 2's rule for fixed intervals: the interval's length, ending at the trigger. */
export function deltaManualInterval(milliseconds: number): (triggeredAt: Date) => DataInterval {
  return (triggeredAt) => ({ start: new Date(triggeredAt.getTime() - milliseconds), end: triggeredAt });
}

/**
 * Airflow 3's trigger timetables (CronTriggerTimetable, DeltaTriggerTimetable): a run starts
 * at each scheduled time and is named after it; its data interval is that instant.
 * With catchup off, the first candidate is the latest scheduled time at or before `now`.
 */
export function triggerRules(grid: Grid): Rules {
  return {
    next(lastAutomated, now, restriction) {
      const candidates = [lastAutomated ? grid.next(lastAutomated.end) : grid.alignNext(restriction.startDate)];
      if (!restriction.catchup) {
        candidates.push(grid.alignPrev(now));
        if (lastAutomated) candidates.push(grid.alignNext(restriction.startDate));
      }
      const fireAt = latest(...candidates);
      return fireAt ? endsInTime(exact(fireAt), restriction) : null;
    },
    manual: exact,
  };
}
