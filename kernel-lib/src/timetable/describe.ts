/** Sentences for people about a schedule: "every day at 12:00 UTC". */
import { MONTH_NAMES, WEEKDAY_NAMES, singleValue } from "./cronFields.js";
import type { ScheduleSpec } from "./types.js";

/** Describes a parsed schedule; `startDate` anchors `@once` and fixed intervals. */
export function describeSchedule(spec: ScheduleSpec, timezone: string, startDate: Date): string {
  switch (spec.kind) {
    case "manual":
      return "never on its own: manual runs only";
    case "once":
      return `once, at ${startDate.toISOString()}`;
    case "interval":
      return `${describeEvery(spec.milliseconds)}, counted from ${startDate.toISOString()}`;
    case "cron":
      return describeCron(spec.expression, timezone);
  }
}

const UNITS: [ms: number, singular: string][] = [
  [604_800_000, "week"],
  [86_400_000, "day"],
  [3_600_000, "hour"],
  [60_000, "minute"],
  [1000, "second"],
  [1, "millisecond"],
];

/** 7_200_000 → "every 2 hours"; 86_400_000 → "every day"; 5_400_000 → "every 1 hour 30 minutes". */
export function describeEvery(milliseconds: number): string {
  const parts: string[] = [];
  let rest = milliseconds;
  for (const [size, unit] of UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count} ${unit}${count === 1 ? "" : "s"}`);
    rest -= count * size;
  }
  if (parts.length === 1 && parts[0]!.startsWith("1 ")) return `every ${parts[0]!.slice(2)}`;
  return `every ${parts.join(" ")}`;
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

function list(items: string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** The numbers of a field made only of single values (`"1,15"`), or undefined. */
function values(field: string, index: number): number[] | undefined {
  const items = field.split(",").map((item) => singleValue(item, index));
  return items.every((item) => item !== undefined) ? (items as number[]) : undefined;
}

function everyStep(field: string): number | undefined {
  const match = /^(?:\*|0)\/(\d+)$/.exec(field);
  return match ? Number(match[1]) : undefined;
}

/** "at 12:00", "every 15 minutes", ... or undefined when the time fields are unusual. */
function timeOfDay(minute: string, hour: string): { at: boolean; text: string } | undefined {
  const minutes = values(minute, 0);
  const hours = values(hour, 1);
  if (minutes?.length === 1 && hours) {
    return { at: true, text: `at ${list(hours.map((h) => `${pad(h)}:${pad(minutes[0]!)}`))}` };
  }
  if (hour === "*") {
    if (minute === "*") return { at: false, text: "every minute" };
    const step = everyStep(minute);
    if (step !== undefined) return { at: false, text: `every ${step} minutes` };
    if (minutes) return { at: false, text: `every hour at minute ${list(minutes.map(String))}` };
  }
  const hourStep = everyStep(hour);
  if (minutes?.length === 1 && hourStep !== undefined) {
    return { at: false, text: `every ${hourStep} hours at minute ${minutes[0]}` };
  }
  return undefined;
}

function weekdays(field: string): string | undefined {
  const range = /^(\w+)-(\w+)$/.exec(field);
  if (range) {
    const from = singleValue(range[1]!, 4);
    const to = singleValue(range[2]!, 4);
    if (from !== undefined && to !== undefined) return `${WEEKDAY_NAMES[from]} to ${WEEKDAY_NAMES[to]}`;
  }
  const days = values(field, 4);
  return days ? list(days.map((day) => WEEKDAY_NAMES[day]!)) : undefined;
}

function describeCron(expression: string, timezone: string): string {
  const [minute, hour, dayOfMonth, month, dayOfWeek] = expression.split(" ") as [
    string,
    string,
    string,
    string,
    string,
  ];
  const fallback = `on the cron schedule "${expression}" (${timezone})`;
  const time = timeOfDay(minute, hour);
  if (!time) return fallback;
  const zone = time.at ? ` ${timezone}` : timezone === "UTC" ? "" : ` (${timezone} time)`;

  let days: string | undefined;
  if (dayOfMonth === "*" && month === "*") {
    if (dayOfWeek === "*") days = time.at ? "every day" : "";
    else {
      const named = weekdays(dayOfWeek);
      if (named) days = `every ${named}`;
    }
  } else if (dayOfWeek === "*") {
    const dates = values(dayOfMonth, 2);
    const months = values(month, 3);
    if (dates && month === "*") days = `on day ${list(dates.map(String))} of every month`;
    if (dates && months?.length === 1) days = `every year on ${list(dates.map(String))} ${MONTH_NAMES[months[0]!]}`;
  }
  if (days === undefined) return fallback;
  if (time.at) return `${days} ${time.text}${zone}`;
  return days === "" ? `${time.text}${zone}` : `${time.text}, ${days}${zone}`;
}
