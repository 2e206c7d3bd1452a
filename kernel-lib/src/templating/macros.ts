import { dsOf, isoWithOffset, TemplateDate } from "./context.js";
import { parseWithFormat, strftime } from "../util/strftime.js";
import { timezoneProblem } from "../timetable/zonedTime.js";
import { TemplateError } from "../errors.js";

/**
 * Airflow's `macros.ds_add`: a `YYYY-MM-DD` date plus (or minus) a number of days.
 * @example dsAdd("2024-01-01", 7) // "2024-01-08"
 */
export function dsAdd(ds: unknown, days: unknown): string {
  const date = typeof ds === "string" ? parseWithFormat(ds, "%Y-%m-%d") : undefined;
  const count = typeof days === "string" && days.trim() !== "" ? Number(days) : days;
  if (!date || typeof count !== "number" || !Number.isInteger(count)) {
    throw new TemplateError(
      `ds_add expects a date like "2024-01-01" and a whole number of days, as in {{ ds_add ds 7 }}; got ${show(ds)} and ${show(days)}`,
    );
  }
  return dsOf(new Date(date.getTime() + count * 86_400_000));
}

/**
 * Airflow's `macros.ds_format`: re-writes a date string from one strftime format to another.
 * @example dsFormat("2024-03-05", "%Y-%m-%d", "%d/%m/%Y") // "05/03/2024"
 */
export function dsFormat(ds: unknown, inputFormat: unknown, outputFormat: unknown): string {
  if (typeof ds !== "string" || typeof inputFormat !== "string" || typeof outputFormat !== "string") {
    throw new TemplateError(
      `ds_format expects a date string, its format and the format to write, as in {{ ds_format ds "%Y-%m-%d" "%d/%m/%Y" }}; got ${show(ds)}, ${show(inputFormat)} and ${show(outputFormat)}`,
    );
  }
  const date = parseWithFormat(ds, inputFormat);
  if (!date)
    throw new TemplateError(
      `ds_format: ${JSON.stringify(ds)} does not match the format ${JSON.stringify(inputFormat)}`,
    );
  return strftime(date, outputFormat);
}

/**
 * Formats a context date (`logical_date`, `data_interval_start`, ...), a Date or an ISO
 * string with strftime, in UTC or the given IANA time zone.
 * @example dateFormat(context.logical_date, "%Y%m%d-%H%M%S") // "20240101-000000"
 */
export function dateFormat(value: unknown, format: unknown, timeZone: unknown = "UTC"): string {
  const date =
    value instanceof TemplateDate
      ? value.date
      : value instanceof Date
        ? value
        : typeof value === "string"
          ? new Date(value)
          : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new TemplateError(
      `date_format expects a date such as logical_date or "2024-01-01", as in {{ date_format logical_date "%Y%m%d" }}; got ${show(value)}`,
    );
  }
  if (typeof format !== "string")
    throw new TemplateError(
      `date_format expects a strftime format such as "%Y%m%d" after the date; got ${show(format)}`,
    );
  const problem = timezoneProblem(timeZone);
  if (problem) throw new TemplateError(`date_format: ${problem}`);
  return strftime(date, format, timeZone as string);
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value instanceof TemplateDate) return String(value);
  return typeof value === "string" ? JSON.stringify(value) : `${String(value)} (${typeof value})`;
}

/** The helpers templates can call: `{{ ds_add ds 7 }}`, or as Airflow writes them, `{{ macros.ds_add(ds, 7) }}`. */
export const MACROS: Readonly<Record<string, (...args: unknown[]) => string>> = {
  ds_add: (ds, days) => dsAdd(ds, days),
  ds_format: (ds, input, output) => dsFormat(ds, input, output),
  date_format: (value, format, timeZone) => dateFormat(value, format, timeZone ?? "UTC"),
};

function filteredDate(filter: string, value: unknown): Date {
  if (value instanceof TemplateDate) return value.date;
  if (value instanceof Date) return value;
  throw new TemplateError(
    `the filter "| ${filter}" formats a date such as data_interval_start, as in {{ data_interval_start | ${filter} }}; got ${show(value)}`,
  );
}

/** Airflow's date filters (`{{ data_interval_start | ds }}`), by filter name; dates are in UTC as in Airflow's context. */
export const FILTERS: Readonly<Record<string, (value: unknown) => string>> = {
  ds: (value) => dsOf(filteredDate("ds", value)),
  ds_nodash: (value) => strftime(filteredDate("ds_nodash", value), "%Y%m%d"),
  ts: (value) => isoWithOffset(filteredDate("ts", value)),
  ts_nodash: (value) => strftime(filteredDate("ts_nodash", value), "%Y%m%dT%H%M%S"),
  ts_nodash_with_tz: (value) => isoWithOffset(filteredDate("ts_nodash_with_tz", value)).replace(/[-:]/g, ""),
};
