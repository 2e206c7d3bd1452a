/**
 * The scheduled instants of a schedule, walked forwards and backwards as Airflow's
 * timetables walk them: a cron expression in a time zone, or a fixed step.
 */
import { Cron } from "croner";
import { cronSets, previousMatch } from "./cronSets.js";
import { offsetMinutes } from "./zonedTime.js";

/** The instants a schedule fires at. Every method answers `null` past the calendar's reach. */
export interface Grid {
  /** The first scheduled instant strictly after `time`. */
  next(time: Date): Date | null;
  /** The last scheduled instant strictly before `time`. */
  prev(time: Date): Date | null;
  /** `time` itself when it is scheduled, otherwise `next(time)`. */
  alignNext(time: Date): Date | null;
  /** `time` itself when it is scheduled, otherwise `prev(time)`. */
  alignPrev(time: Date): Date | null;
}

const MINUTE = 60_000;

/**
 * Builds the grid of a cron expression in `timezone` as Airflow's CronMixin computes it:
 * croniter walks the wall-clock time, and the wall time it finds is placed back in the zone
 * (a repeated wall time at its second occurrence, a skipped one moved forward by the gap).
 * An expression whose hour field is `*` instead adds the wall-clock distance to the current
 * instant, so every real hour of a repeated one is scheduled (Airflow's "fold hour" rule).
 */
export function cronGrid(expression: string, timezone: string): Grid {
  const wallClock = wallClockCron(expression);
  const coversEveryHour = expression.trim().split(/\s+/)[1] === "*";
  const naive = (time: Date) => new Date(time.getTime() + offsetMinutes(time, timezone) * MINUTE);
  const place = (current: Date, scheduledWall: Date | null): Date | null => {
    if (!scheduledWall) return null;
    if (coversEveryHour) return new Date(current.getTime() + (scheduledWall.getTime() - naive(current).getTime()));
    return instantOfWallTimeLater(scheduledWall.getTime(), timezone);
  };
  const next = (time: Date) => place(time, wallClock.next(naive(time)));
  const prev = (time: Date) => place(time, wallClock.prev(naive(time)));
  return {
    next,
    prev,
    alignNext(time) {
      const after = next(time);
      return after && prev(after)?.getTime() === time.getTime() ? new Date(time.getTime()) : after;
    },
    alignPrev(time) {
      const before = prev(time);
      return before && next(before)?.getTime() === time.getTime() ? new Date(time.getTime()) : before;
    },
  };
}

/**
 * The instant clocks in `timezone` show the wall time `wallMs` (its fields read in UTC), as
 * Airflow's make_aware places it (fold=1): a repeated time at its second occurrence, a
 * skipped time with the offset from before the jump, so later by the gap.
 */
function instantOfWallTimeLater(wallMs: number, timezone: string): Date {
  if (timezone === "UTC") return new Date(wallMs);
  const before = offsetMinutes(new Date(wallMs - 86_400_000), timezone);
  const after = offsetMinutes(new Date(wallMs + 86_400_000), timezone);
  const candidates = [...new Set([wallMs - before * MINUTE, wallMs - after * MINUTE])].sort((a, b) => b - a);
  for (const candidate of candidates) {
    if (naiveMs(candidate, timezone) === wallMs) return new Date(candidate);
  }
  return new Date(wallMs - before * MINUTE);
}

function naiveMs(instant: number, timezone: string): number {
  return instant + offsetMinutes(new Date(instant), timezone) * MINUTE;
}

/**
 * A valid five-field cron expression walked on wall-clock times written as UTC instants:
 * croniter's arithmetic, which Airflow's CronMixin does on naive datetimes.
 */
function wallClockCron(expression: string): Pick<Grid, "next" | "prev"> {
  // legacyMode: day of month and day of week combine with OR, as in Vixie cron and Airflow.
  // utcOffset 0 rather than timezone "UTC": the same times, by Date.UTC arithmetic instead of an
  // Intl formatting per step (which made a 1,000-run preview take seconds).
  const cron = new Cron(expression, { utcOffset: 0, paused: true, legacyMode: true });
  const sets = cronSets(expression);
  return {
    next: (time) => cron.nextRun(time),
    prev: (time) => previousMatch(sets, time),
  };
}

/**
 * Builds the grid of a fixed interval as Airflow's DeltaMixin: `step` after or before any
 * instant, and every instant aligned (a fixed interval has no phase of its own).
 */
export function deltaGrid(step: number): Grid {
  const same = (time: Date) => new Date(time.getTime());
  return {
    next: (time) => new Date(time.getTime() + step),
    prev: (time) => new Date(time.getTime() - step),
    alignNext: same,
    alignPrev: same,
  };
}
