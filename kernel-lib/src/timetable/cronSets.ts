/**
 * The values each field of a valid cron expression allows, and the latest wall-clock minute
 * before a given one that the expression matches: croniter's `get_prev`, which croner lacks.
 */
import { ValidationError } from "../errors.js";
import { checkCronFields, CRON_FIELDS, singleValue } from "./cronFields.js";

export interface CronSets {
  minutes: Set<number>;
  hours: Set<number>;
  daysOfMonth: Set<number>;
  months: Set<number>;
  /** 0 is Sunday (7 is read as 0). */
  daysOfWeek: Set<number>;
  /** `L` in the day of month: its last day. */
  lastDayOfMonth: boolean;
  /** `5#2` (the second Friday) and `5L` (the last Friday) in the day of week: "weekday:n" or "weekday:L". */
  nthWeekdays: Set<string>;
  /** True when both day fields are restricted: a day matches either (Vixie cron, croniter). */
  dayOr: boolean;
}

function expand(text: string, fieldIndex: number): Set<number> {
  const field = CRON_FIELDS[fieldIndex]!;
  const values = new Set<number>();
  for (const item of text.split(",")) {
    if (item === "L" || item.includes("#") || /^\w+L$/.test(item)) continue; // read by specialDays
    const [range, stepText] = item.split("/") as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    let low: number;
    let high: number;
    if (range === "*") {
      low = field.min;
      high = fieldIndex === 4 ? 6 : field.max;
    } else if (range.includes("-")) {
      const [a, b] = range.split("-") as [string, string];
      low = singleValue(a, fieldIndex)!;
      high = singleValue(b, fieldIndex)!;
    } else {
      low = singleValue(range, fieldIndex)!;
      high = stepText === undefined ? low : field.max;
    }
    for (let value = low; value <= high; value += step) values.add(fieldIndex === 4 && value === 7 ? 0 : value);
  }
  return values;
}

function specialDays(dayOfMonth: string, dayOfWeek: string): Pick<CronSets, "lastDayOfMonth" | "nthWeekdays"> {
  const nthWeekdays = new Set<string>();
  for (const item of dayOfWeek.split(",")) {
    const nth = /^(\w+)#(\d)$/.exec(item);
    const last = /^(\w+)L$/.exec(item);
    const weekday = (text: string) => singleValue(text, 4)! % 7;
    if (nth) nthWeekdays.add(`${weekday(nth[1]!)}:${nth[2]}`);
    else if (last) nthWeekdays.add(`${weekday(last[1]!)}:L`);
  }
  return { lastDayOfMonth: dayOfMonth.split(",").includes("L"), nthWeekdays };
}

/** The sets of a valid five-field expression; throws on an invalid one (check it first). */
export function cronSets(expression: string): CronSets {
  const checked = checkCronFields(expression);
  if (!checked.ok) throw new ValidationError(checked.problem);
  const [minute, hour, dayOfMonth, month, dayOfWeek] = checked.fields;
  return {
    minutes: expand(minute, 0),
    hours: expand(hour, 1),
    daysOfMonth: expand(dayOfMonth, 2),
    months: expand(month, 3),
    daysOfWeek: expand(dayOfWeek, 4),
    ...specialDays(dayOfMonth, dayOfWeek),
    dayOr: dayOfMonth !== "*" && dayOfWeek !== "*",
  };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Further back than any valid expression's gap (29 February on a given weekday: 28 years). */
const SEARCH_LIMIT = 40 * 366 * DAY;

function dayMatches(sets: CronSets, date: Date): boolean {
  const day = date.getUTCDate();
  const weekday = date.getUTCDay();
  const daysInMonth = () => new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  const dom = sets.daysOfMonth.has(day) || (sets.lastDayOfMonth && day === daysInMonth());
  const dow =
    sets.daysOfWeek.has(weekday) ||
    (sets.nthWeekdays.size > 0 &&
      (sets.nthWeekdays.has(`${weekday}:${Math.ceil(day / 7)}`) ||
        (day + 7 > daysInMonth() && sets.nthWeekdays.has(`${weekday}:L`))));
  return sets.dayOr ? dom || dow : dom && dow;
}

/**
 * The latest minute strictly before `time` that the expression matches, on a clock without
 * time zones (dates read in UTC), or null when there is none within forty years.
 */
export function previousMatch(sets: CronSets, time: Date): Date | null {
  let cursor = Math.ceil(time.getTime() / MINUTE) * MINUTE - MINUTE;
  const limit = time.getTime() - SEARCH_LIMIT;
  while (cursor >= limit) {
    const date = new Date(cursor);
    if (!sets.months.has(date.getUTCMonth() + 1)) {
      cursor = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) - MINUTE;
    } else if (!dayMatches(sets, date)) {
      cursor = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()) - MINUTE;
    } else if (!sets.hours.has(date.getUTCHours())) {
      const dayStart = Math.floor(cursor / DAY) * DAY;
      const earlier = latestBelow(sets.hours, date.getUTCHours());
      cursor = earlier === undefined ? dayStart - MINUTE : dayStart + (earlier + 1) * HOUR - MINUTE;
    } else if (!sets.minutes.has(date.getUTCMinutes())) {
      const hourStart = Math.floor(cursor / HOUR) * HOUR;
      const earlier = latestBelow(sets.minutes, date.getUTCMinutes());
      cursor = earlier === undefined ? hourStart - MINUTE : hourStart + earlier * MINUTE;
    } else {
      return date;
    }
  }
  return null;
}

/** The largest value of `set` below `value`, if any. */
function latestBelow(set: ReadonlySet<number>, value: number): number | undefined {
  for (let candidate = value - 1; candidate >= 0; candidate -= 1) if (set.has(candidate)) return candidate;
  return undefined;
}
