/**
 * The scheduled instants of a schedule, walked forwards and backwards: a cron expression in
 * a time zone (through croner), or a fixed step anchored at the start date.
 */
import { Cron } from "croner";
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
/** Wider than any DST change: a time this close to one is walked to from before it. */
const DST_WINDOW = 3 * 60 * MINUTE;
/** Far enough back to find the previous 29 February of `0 0 29 2 *` from any date. */
const LONGEST_GAP = 40 * 366 * 86_400_000;

/** Builds a grid over a valid five-field cron expression evaluated in `timezone`. */
export function cronGrid(expression: string, timezone: string): Grid {
  // legacyMode: day of month and day of week combine with OR, as in Vixie cron and Airflow.
  const cron = new Cron(expression, { timezone, paused: true, legacyMode: true });
  const cronNext = (time: Date): Date | null => cron.nextRun(time);
  const next = (time: Date): Date | null => {
    const direct = cronNext(time);
    const before = new Date(time.getTime() - DST_WINDOW);
    if (offsetMinutes(before, timezone) === offsetMinutes(new Date(time.getTime() + DST_WINDOW), timezone)) return direct;
    // croner reads wall-clock time: from inside a repeated hour (DST ends) it skips the
    // times it reaches when walking through that hour. Walk from before the change instead,
    // so that next() always follows the one sequence of instants the schedule fires at.
    let walked = cronNext(before);
    while (walked && walked.getTime() <= time.getTime()) walked = cronNext(walked);
    return walked && (!direct || walked < direct) ? walked : direct;
  };
  const atOrAfter = (time: Date): Date | null => next(new Date(time.getTime() - 1));
  const isScheduled = (time: Date): boolean => atOrAfter(time)?.getTime() === time.getTime();

  const prev = (time: Date): Date | null => {
    const target = time.getTime();
    let found: number | undefined;
    for (let span = MINUTE; span <= LONGEST_GAP * 4; span *= 4) {
      const candidate = atOrAfter(new Date(target - span));
      if (candidate && candidate.getTime() < target) {
        found = candidate.getTime();
        break;
      }
    }
    if (found === undefined) return null;
    // The answer lies in [found, upper): walk forwards, halving the gap when it is wide.
    let upper = target;
    for (;;) {
      const after = next(new Date(found));
      if (!after || after.getTime() >= upper) return new Date(found);
      found = after.getTime();
      const middle = found + Math.floor((upper - found) / 2);
      const inUpperHalf = atOrAfter(new Date(middle));
      if (inUpperHalf && inUpperHalf.getTime() < upper) found = inUpperHalf.getTime();
      else upper = middle;
    }
  };

  return {
    next,
    prev,
    alignNext: (time) => (isScheduled(time) ? new Date(time.getTime()) : next(time)),
    alignPrev: (time) => (isScheduled(time) ? new Date(time.getTime()) : prev(time)),
  };
}

/** Builds a grid of `anchor + k * step` for every whole k (fixed intervals, not aligned to the clock). */
export function fixedGrid(anchor: Date, step: number): Grid {
  const base = anchor.getTime();
  const at = (k: number) => new Date(base + k * step);
  const stepsTo = (time: Date) => (time.getTime() - base) / step;
  return {
    next: (time) => at(Math.floor(stepsTo(time)) + 1),
    prev: (time) => at(Math.ceil(stepsTo(time)) - 1),
    alignNext: (time) => at(Math.ceil(stepsTo(time))),
    alignPrev: (time) => at(Math.floor(stepsTo(time))),
  };
}
