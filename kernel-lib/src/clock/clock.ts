import { ValidationError, describeValue, err, ok, type Result } from "../errors.js";
import { parseIsoInstant } from "../timetable/isoDate.js";

/**
 * The scheduler's clock: what "now" is when it decides which scheduled runs are due and what
 * a manual trigger's logical date is. Real time by default; a teacher can ask for an
 * accelerated clock (a week of daily runs in a minute) or a manual one (moved by hand).
 * Everything else (heartbeats, task start and end, retries, timeouts) stays on real time.
 */
export type ClockMode = "real" | "accelerated" | "manual";

/** What the status page, the API and the notebook show about the clock in use. */
export interface ClockInfo {
  mode: ClockMode;
  /** The scheduler's current time, ISO-8601 UTC. */
  now: string;
  /** Accelerated: scheduler milliseconds per real millisecond. */
  factor?: number;
  /** A sentence for people, such as "accelerated ×3600: one real second is 1 hour of scheduler time". */
  description: string;
}

export interface Clock {
  readonly mode: ClockMode;
  now(): Date;
  /**
   * Real milliseconds until this clock reads `instant` (epoch ms): 0 if it already does;
   * `Infinity` when only a manual advance can get there.
   */
  realDelayUntil(instant: number): number;
  info(): ClockInfo;
  /** Called after the clock jumps (a manual advance); returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

export interface ManualClock extends Clock {
  readonly mode: "manual";
  /** Moves the clock forward by `ms` (> 0) and tells the listeners; returns the new time. */
  advance(ms: number): Date;
}

/**
 * Real time in epoch milliseconds: what a moved scheduler clock must not change (heartbeats,
 * task start and end, retries, timeouts). Passed in, like the clock, so tests can set it.
 */
export type WallTime = () => number;

/** The machine's time. */
export const systemWallTime: WallTime = () => Date.now();

/** The wall clock. */
export function realClock(): Clock {
  return {
    mode: "real",
    now: () => new Date(),
    realDelayUntil: (instant) => Math.max(0, instant - Date.now()),
    info: () => ({ mode: "real", now: new Date().toISOString(), description: "real time" }),
    onChange: () => () => undefined,
  };
}

/**
 * A clock that runs `factor` times faster than real time, from `start` (default: now). It
 * reads `start` the first time it is read, and runs from there: the scheduler's start-up
 * (workers, the first parse of the DAG files) does not eat scheduler time.
 * @example
 * acceleratedClock(3600) // one real second is one hour of scheduler time
 */
export function acceleratedClock(factor: number, start: Date = new Date(), realNow: () => number = Date.now): Clock {
  if (!Number.isFinite(factor) || factor <= 0)
    throw new ValidationError(`Expected the clock's factor to be a positive number, got ${describeValue(factor)}`);
  let realStart: number | undefined;
  const startMs = start.getTime();
  const now = () => {
    realStart ??= realNow();
    return new Date(startMs + (realNow() - realStart) * factor);
  };
  return {
    mode: "accelerated",
    now,
    realDelayUntil: (instant) => Math.max(0, Math.ceil((instant - now().getTime()) / factor)),
    info: () => ({
      mode: "accelerated",
      now: now().toISOString(),
      factor,
      description: `accelerated ×${factor}: one real second is ${secondIn(factor)} of scheduler time`,
    }),
    onChange: () => () => undefined,
  };
}

/** A clock that stands still until `advance` moves it, from `start` (default: now). */
export function manualClock(start: Date = new Date()): ManualClock {
  let current = start.getTime();
  const listeners = new Set<() => void>();
  return {
    mode: "manual",
    now: () => new Date(current),
    realDelayUntil: (instant) => (instant <= current ? 0 : Number.POSITIVE_INFINITY),
    info: () => ({
      mode: "manual",
      now: new Date(current).toISOString(),
      description: "manual: scheduler time moves only when you advance it (kitelab clock advance 1d)",
    }),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    advance(ms) {
      if (!Number.isFinite(ms) || ms <= 0)
        throw new ValidationError(
          `Expected the clock to move forward by a positive duration, got ${describeValue(ms)} ms; the clock never goes back`,
        );
      current += ms;
      for (const listener of listeners) listener();
      return new Date(current);
    },
  };
}

/** The most an accelerated clock may speed up: a year per real minute. */
export const MAX_CLOCK_FACTOR = 525_600;

/**
 * Reads `--clock`: `real`, `accelerated:FACTOR[@START]` or `manual[@START]`, START an
 * ISO-8601 instant (UTC unless it has an offset).
 */
export function parseClockSpec(text: string): Result<Clock> {
  const spec = text.trim();
  const match = /^(real|accelerated|manual)(?::([^@]*))?(?:@(.+))?$/.exec(spec);
  const usage =
    "use real, accelerated:FACTOR (accelerated:3600 makes one real second an hour) or manual, optionally followed by @START such as manual@2024-01-01";
  if (!match) return err(`--clock ${JSON.stringify(text)} is not a clock; ${usage}`);
  const [, mode, factorText, startText] = match;
  let start: Date | undefined;
  if (startText !== undefined) {
    start = parseIsoInstant(startText, "UTC") ?? undefined;
    if (!start)
      return err(
        `--clock ${JSON.stringify(text)}: ${JSON.stringify(startText)} is not an ISO-8601 instant such as 2024-01-01 or 2024-01-01T06:00:00Z`,
      );
  }
  if (mode === "real") {
    if (factorText !== undefined || start) return err(`--clock real takes no factor or start; ${usage}`);
    return ok(realClock());
  }
  if (mode === "manual") {
    if (factorText !== undefined) return err(`--clock manual takes no factor (it moves only when advanced); ${usage}`);
    return ok(manualClock(start));
  }
  const factor = Number(factorText);
  if (
    factorText === undefined ||
    factorText === "" ||
    !Number.isFinite(factor) ||
    factor < 1 ||
    factor > MAX_CLOCK_FACTOR
  ) {
    return err(
      `--clock ${JSON.stringify(text)}: the factor must be a number from 1 to ${MAX_CLOCK_FACTOR}, such as accelerated:3600 (one real second is an hour)`,
    );
  }
  return ok(acceleratedClock(factor, start));
}

export function isManualClock(clock: Clock): clock is ManualClock {
  return clock.mode === "manual" && typeof (clock as ManualClock).advance === "function";
}

function secondIn(factor: number): string {
  const ms = factor * 1000;
  for (const [size, unit] of [
    [86_400_000, "day"],
    [3_600_000, "hour"],
    [60_000, "minute"],
    [1000, "second"],
  ] as const) {
    if (ms >= size) {
      const count = Math.round((ms / size) * 100) / 100;
      return `${count} ${unit}${count === 1 ? "" : "s"}`;
    }
  }
  return `${ms} ms`;
}
