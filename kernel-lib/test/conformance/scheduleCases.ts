/**
 * Seeded schedule cases for the Airflow conformance harness: cron expressions with every kind
 * of field, presets, fixed intervals and `@once`, in time zones with half-hour offsets and
 * both hemispheres' daylight saving time, started and looked at near clock changes.
 */
// The labs' seeded generator: the checked-in goldens were drawn from its sequence.
import { createRandom, type SeededRandom } from "../../../labs/shared/random.js";
import type { Semantics } from "../../src/timetable/types.js";

export interface ScheduleCase {
  id: string;
  schedule: string;
  /** Set for fixed intervals: their length, so the Python side needs no duration parser. */
  intervalMs?: number;
  timezone: string;
  startDate: string;
  endDate?: string;
  catchup: boolean;
  semantics: Semantics;
  now: string;
}

export interface ManualCase {
  id: string;
  schedule: string;
  intervalMs?: number;
  timezone: string;
  semantics: Semantics;
  triggeredAt: string;
}

/** The most due runs a case lists on either side. */
export const DUE_LIMIT = 400;

export const TIMEZONES = [
  "UTC",
  "Europe/Paris",
  "America/New_York",
  "Australia/Sydney",
  "Asia/Kolkata",
  "Australia/Adelaide",
  "America/St_Johns",
  "Asia/Kathmandu",
] as const;

/** Clock changes in 2024 and 2025 (UTC instants) of the zones above that have them. */
const CLOCK_CHANGES: Record<string, string[]> = {
  "Europe/Paris": ["2024-03-31T01:00Z", "2024-10-27T01:00Z", "2025-03-30T01:00Z", "2025-10-26T01:00Z"],
  "America/New_York": ["2024-03-10T07:00Z", "2024-11-03T06:00Z", "2025-03-09T07:00Z", "2025-11-02T06:00Z"],
  "Australia/Sydney": ["2024-04-06T16:00Z", "2024-10-05T16:00Z", "2025-04-05T16:00Z", "2025-10-04T16:00Z"],
  "Australia/Adelaide": ["2024-04-06T16:30Z", "2024-10-05T16:30Z", "2025-04-05T16:30Z", "2025-10-04T16:30Z"],
  "America/St_Johns": ["2024-03-10T05:30Z", "2024-11-03T04:30Z", "2025-03-09T05:30Z", "2025-11-02T04:30Z"],
};

const PRESETS = ["@hourly", "@daily", "@weekly", "@monthly", "@quarterly", "@yearly"];
const INTERVALS: Array<[string, number]> = [
  ["30m", 30 * 60_000],
  ["45m", 45 * 60_000],
  ["90m", 90 * 60_000],
  ["6h", 6 * 3_600_000],
  ["1d", 86_400_000],
  ["2h", 2 * 3_600_000],
];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function pick<T>(random: SeededRandom, items: readonly T[]): T {
  return items[random.integer(0, items.length)]!;
}

/** One cron field: `*`, a value, a list, a range, a step, or a stepped range. */
function field(random: SeededRandom, min: number, max: number, allowStar = true): string {
  const value = () => random.integer(min, max + 1);
  const kind = random.integer(allowStar ? 0 : 1, 6);
  switch (kind) {
    case 0:
      return "*";
    case 1:
      return String(value());
    case 2: {
      const values = [...new Set([value(), value(), value()])].sort((a, b) => a - b);
      return values.join(",");
    }
    case 3: {
      const [a, b] = [value(), value()].sort((x, y) => x - y);
      return a === b ? String(a) : `${a}-${b}`;
    }
    case 4:
      return `*/${random.integer(2, Math.max(3, Math.floor((max - min + 1) / 2)))}`;
    default: {
      const a = random.integer(min, Math.floor((min + max) / 2));
      const b = random.integer(a + 1, max + 1);
      return `${a}-${b}/${random.integer(2, 4)}`;
    }
  }
}

/** How often a schedule fires, roughly, to keep the number of due runs in reach. */
interface Drawn {
  schedule: string;
  intervalMs?: number;
  period: number;
}

function drawSchedule(random: SeededRandom): Drawn {
  const roll = random.next();
  if (roll < 0.05) return { schedule: "@once", period: 30 * DAY };
  if (roll < 0.25) {
    const preset = pick(random, PRESETS);
    const period = { "@hourly": HOUR, "@daily": DAY, "@weekly": 7 * DAY }[preset] ?? 40 * DAY;
    return { schedule: preset, period };
  }
  if (roll < 0.4) {
    const [text, ms] = pick(random, INTERVALS);
    return { schedule: text, intervalMs: ms, period: ms };
  }
  const minute = random.bernoulli(0.25) ? field(random, 0, 59) : field(random, 0, 59, false);
  const hour = random.bernoulli(0.3) ? "*" : field(random, 0, 23);
  const dayOfMonth = random.bernoulli(0.7) ? "*" : field(random, 1, 28, false);
  const month = random.bernoulli(0.85) ? "*" : field(random, 1, 12, false);
  const dayOfWeek = random.bernoulli(0.75) ? "*" : field(random, 0, 6, false);
  const schedule = [minute, hour, dayOfMonth, month, dayOfWeek].join(" ");
  let period = DAY;
  if (minute === "*" || minute.startsWith("*/")) period = 10 * MINUTE;
  else if (hour === "*" || hour.includes("/") || hour.includes(",") || hour.includes("-")) period = HOUR;
  if (month !== "*") period *= 8;
  else if (dayOfMonth !== "*" || dayOfWeek !== "*") period *= 4;
  return { schedule, period };
}

function isoMinute(ms: number): string {
  return new Date(ms).toISOString();
}

/** An instant near one of the zone's clock changes, or anywhere in 2024-2025 for zones without. */
function nearClockChange(random: SeededRandom, timezone: string, spread: number): number {
  const changes = CLOCK_CHANGES[timezone];
  const base = changes
    ? Date.parse(pick(random, changes))
    : Date.parse("2024-01-01T00:00Z") + random.integer(0, 700) * DAY;
  const offset = random.integer(-spread, spread + 1);
  const minute = random.bernoulli(0.5) ? 0 : pick(random, [7, 15, 30, 45, 59]);
  return Math.floor((base + offset) / HOUR) * HOUR + minute * MINUTE;
}

export function scheduleCases(seed: number, count: number): ScheduleCase[] {
  const random = createRandom(seed);
  const cases: ScheduleCase[] = [];
  for (let index = 0; index < count; index += 1) {
    const drawn = drawSchedule(random);
    const timezone = pick(random, TIMEZONES);
    const catchup = random.bernoulli(0.5);
    const semantics: Semantics = random.bernoulli(0.5) ? "airflow2" : "airflow3";
    // Either the start or "now" sits near a clock change; the span keeps due runs in reach.
    const span = random.integer(0, Math.min(DUE_LIMIT / 2, 60)) * drawn.period + random.integer(0, 60) * MINUTE;
    let start: number;
    let now: number;
    if (random.bernoulli(0.5)) {
      start = nearClockChange(random, timezone, 2 * DAY);
      now = start + span;
    } else {
      now = nearClockChange(random, timezone, 2 * DAY);
      start = now - span;
    }
    if (random.bernoulli(0.05)) now = start - random.integer(1, 48) * HOUR; // start date in the future
    const endDate = random.bernoulli(0.2)
      ? isoMinute(start + random.integer(0, Math.max(1, Math.floor((now - start) / MINUTE) + 60)) * MINUTE)
      : undefined;
    cases.push({
      id: `s${index}`,
      schedule: drawn.schedule,
      ...(drawn.intervalMs !== undefined ? { intervalMs: drawn.intervalMs } : {}),
      timezone,
      startDate: isoMinute(start),
      ...(endDate ? { endDate } : {}),
      catchup,
      semantics,
      now: isoMinute(now),
    });
  }
  return cases;
}

export function manualCases(seed: number, count: number): ManualCase[] {
  const random = createRandom(seed + 1);
  const cases: ManualCase[] = [];
  for (let index = 0; index < count; index += 1) {
    let drawn = drawSchedule(random);
    while (drawn.schedule === "@once") drawn = drawSchedule(random);
    const timezone = pick(random, TIMEZONES);
    cases.push({
      id: `m${index}`,
      schedule: drawn.schedule,
      ...(drawn.intervalMs !== undefined ? { intervalMs: drawn.intervalMs } : {}),
      timezone,
      semantics: random.bernoulli(0.5) ? "airflow2" : "airflow3",
      triggeredAt: isoMinute(nearClockChange(random, timezone, 3 * DAY) + random.integer(0, 60) * 1000),
    });
  }
  return cases;
}
