import { ValidationError, describeValue } from "../errors.js";

/**
 * A length of time as users write it: `"30s"`, `"5m"`, `"2h"`, `"1d"`, `"500ms"`,
 * `"1h30m"`, an object `{ minutes: 5 }`, or a number of milliseconds.
 */
export type Duration =
  | number
  | string
  | { days?: number; hours?: number; minutes?: number; seconds?: number; milliseconds?: number };

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;

/** Parses a duration into milliseconds, or throws a ValidationError naming `what`. */
export function toMilliseconds(value: Duration, what = "duration"): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) {
      throw new ValidationError(
        `Expected \`${what}\` to be a non-negative number of milliseconds, got ${describeValue(value)}`,
      );
    }
    return value;
  }
  if (typeof value === "string") {
    const ms = parseDurationString(value.trim());
    if (ms === undefined) {
      throw new ValidationError(
        `Expected \`${what}\` to be a duration such as "30s", "5m", "2h", "1d" or "1h30m", got ${describeValue(value)}`,
      );
    }
    return ms;
  }
  if (value && typeof value === "object") {
    let total = 0;
    for (const [key, amount] of Object.entries(value)) {
      const factor = OBJECT_UNITS[key];
      if (factor === undefined || typeof amount !== "number" || !Number.isFinite(amount) || amount < 0) {
        throw new ValidationError(
          `Expected \`${what}\` to use days, hours, minutes, seconds or milliseconds with non-negative numbers, got ${key}: ${describeValue(amount)}`,
        );
      }
      total += amount * factor;
    }
    return total;
  }
  throw new ValidationError(`Expected \`${what}\` to be a duration, got ${describeValue(value)}`);
}

const OBJECT_UNITS: Record<string, number> = {
  days: 86_400_000,
  hours: 3_600_000,
  minutes: 60_000,
  seconds: 1000,
  milliseconds: 1,
};

/** `"1h30m"` → 5_400_000; undefined when the text is not a duration. */
export function parseDurationString(text: string): number | undefined {
  if (text.length === 0) return undefined;
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let match = DURATION_PART.exec(text); match; match = DURATION_PART.exec(text)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    consumed = DURATION_PART.lastIndex;
  }
  return consumed === text.length ? total : undefined;
}

/** 83_000 → "1m 23s"; 450 → "0.45s". For people, not for parsing. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${(ms / 1000).toFixed(2)}s`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return hours > 0 ? `${hours}h ${minutes}m ${seconds}s` : `${minutes}m ${seconds}s`;
}
