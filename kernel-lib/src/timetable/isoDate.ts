/** Reads ISO-8601 dates strictly: no day 30 of February, no month 13. */
import { instantOfWallTime } from "./zonedTime.js";

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * The instant an ISO-8601 date or date-time names, or undefined when the text is not one.
 * Without an offset (`2024-01-01`, `2024-01-01T12:00`) the wall time is read in `timezone`,
 * as Airflow reads a naive start date in the DAG's time zone.
 *
 * @example
 * parseIsoInstant("2024-01-01T12:00Z")           // 2024-01-01T12:00:00.000Z
 * parseIsoInstant("2024-01-01", "Europe/Paris")  // 2023-12-31T23:00:00.000Z
 * parseIsoInstant("2021-13-01")                  // undefined
 */
export function parseIsoInstant(text: string, timezone = "UTC"): Date | undefined {
  const match = ISO.exec(text.trim());
  if (!match) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0] = match
    .slice(1, 7)
    .map((part) => (part === undefined ? undefined : Number(part))) as number[];
  const millisecond = match[7] ? Math.floor(Number(`0.${match[7]}`) * 1000) : 0;
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth(year!, month!)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const offset = match[8];
  if (offset === undefined) {
    return instantOfWallTime({ year: year!, month: month!, day: day!, hour, minute, second, millisecond }, timezone);
  }
  const utc = Date.UTC(year!, month! - 1, day!, hour, minute, second, millisecond);
  if (offset.toUpperCase() === "Z") return new Date(utc);
  const sign = offset.startsWith("-") ? -1 : 1;
  const digits = offset.slice(1).replace(":", "");
  const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || "0");
  if (offsetMinutes > 18 * 60) return undefined;
  return new Date(utc - sign * offsetMinutes * 60_000);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
