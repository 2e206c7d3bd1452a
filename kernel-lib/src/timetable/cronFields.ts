/**
 * Checks a five-field cron expression field by field, so a mistake is reported with the
 * field's name, the value that arrived and the range that was expected.
 */

export interface CronField {
  name: "minute" | "hour" | "day of month" | "month" | "day of week";
  min: number;
  max: number;
  /** Names accepted in place of numbers (JAN..DEC, SUN..SAT), mapped to their numbers. */
  names?: readonly string[];
  namesOffset?: number;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] as const;
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;

export const CRON_FIELDS: readonly CronField[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS, namesOffset: 1 },
  // 7 is Sunday too, as in Vixie cron and croniter.
  { name: "day of week", min: 0, max: 7, names: WEEKDAYS, namesOffset: 0 },
];

/** The fields of a valid expression, upper-cased, in order. */
export type CronFieldValues = [minute: string, hour: string, dayOfMonth: string, month: string, dayOfWeek: string];

/**
 * Splits and checks an expression. Returns the five fields, or a sentence naming the first
 * bad field: `the hour field is "25", expected 0-23`.
 */
export function checkCronFields(
  expression: string,
): { ok: true; fields: CronFieldValues } | { ok: false; problem: string } {
  const parts = expression
    .trim()
    .split(/\s+/)
    .filter((part) => part.length > 0);
  if (parts.length !== 5) {
    const hint = parts.length === 6 ? " (a seconds field is not supported)" : "";
    return {
      ok: false,
      problem: `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}${hint}`,
    };
  }
  const fields = parts.map((part) => part.toUpperCase()) as CronFieldValues;
  for (let index = 0; index < 5; index++) {
    const problem = checkField(fields[index]!, CRON_FIELDS[index]!);
    if (problem)
      return { ok: false, problem: `the ${CRON_FIELDS[index]!.name} field is "${parts[index]}", ${problem}` };
  }
  return { ok: true, fields };
}

function expectedRange(field: CronField): string {
  const names = field.names ? ` or ${field.names[0]}-${field.names[field.names.length - 1]}` : "";
  return `${field.min}-${field.max}${names}`;
}

function checkField(text: string, field: CronField): string | undefined {
  for (const item of text.split(",")) {
    const problem = checkItem(item, field);
    if (problem) return problem;
  }
  return undefined;
}

function checkItem(item: string, field: CronField): string | undefined {
  const expected = `expected ${expectedRange(field)}`;
  if (item.length === 0) return `${expected} (an empty item between commas)`;
  if (field.name === "day of month" && item === "L") return undefined;
  if (field.name === "day of week" && item.includes("#")) {
    const [day, nth] = item.split("#");
    if (fieldValueOf(day!, field) === undefined || !/^[1-5]$/.test(nth ?? "")) {
      return `expected a weekday and its occurrence in the month, such as "MON#1" (1-5)`;
    }
    return undefined;
  }
  const [range, step, extra] = item.split("/");
  if (extra !== undefined) return `${expected} (only one "/" step is allowed)`;
  if (step !== undefined && !/^[1-9]\d*$/.test(step))
    return `expected a step after "/" that is a positive whole number`;
  if (range === "*") return undefined;
  const bounds = range!.split("-");
  if (bounds.length > 2) return expected;
  const values = bounds.map((bound) => fieldValueOf(bound, field));
  if (values.some((value) => value === undefined)) return expected;
  if (values.length === 2 && values[0]! > values[1]!) {
    return `expected a range from low to high within ${expectedRange(field)}`;
  }
  return undefined;
}

function fieldValueOf(text: string, field: CronField): number | undefined {
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    return value >= field.min && value <= field.max ? value : undefined;
  }
  const index = field.names?.indexOf(text) ?? -1;
  return index >= 0 ? index + (field.namesOffset ?? 0) : undefined;
}

/** Month and weekday names for descriptions, indexed as cron numbers them. */
export const MONTH_NAMES = [
  "",
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const;
export const WEEKDAY_NAMES = [
  "Sunday",
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
  "Sunday",
] as const;

/** A single number in a field (`"5"`, `"MON"`), or undefined when the field is anything else. */
export function singleValue(text: string, fieldIndex: number): number | undefined {
  const field = CRON_FIELDS[fieldIndex]!;
  return fieldValueOf(text, field);
}
