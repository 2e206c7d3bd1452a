import { dsOf } from "./context.js";
import { parseWithFormat, strftime } from "../util/strftime.js";
import { TemplateError } from "../errors.js";

/** Airflow's `macros.ds_add`: a YYYY-MM-DD date plus (or minus) a number of days. */
export function dsAdd(ds: unknown, days: unknown): string {
  const date = parseWithFormat(String(ds), "%Y-%m-%d");
  const count = Number(days);
  if (!date || !Number.isInteger(count)) {
    throw new TemplateError(`ds_add expects a date like "2024-01-01" and a whole number of days, got ${JSON.stringify(ds)} and ${JSON.stringify(days)}`);
  }
  return dsOf(new Date(date.getTime() + count * 86_400_000));
}

/** Airflow's `macros.ds_format`: re-formats a date string from one strftime format to another. */
export function dsFormat(ds: unknown, inputFormat: unknown, outputFormat: unknown): string {
  const date = parseWithFormat(String(ds), String(inputFormat));
  if (!date) throw new TemplateError(`ds_format: ${JSON.stringify(ds)} does not match the format ${JSON.stringify(inputFormat)}`);
  return strftime(date, String(outputFormat));
}

/** Formats a template date (`logical_date`, `data_interval_start`, ...) or an ISO string with strftime. */
export function dateFormat(value: unknown, format: unknown): string {
  const date = value instanceof Date ? value : typeof value === "object" && value !== null && "date" in value ? (value as { date: Date }).date : new Date(String(value));
  if (Number.isNaN(date.getTime())) throw new TemplateError(`date_format: ${JSON.stringify(String(value))} is not a date`);
  return strftime(date, String(format));
}

export const MACROS: Record<string, (...args: unknown[]) => string> = {
  ds_add: (ds, days) => dsAdd(ds, days),
  ds_format: (ds, input, output) => dsFormat(ds, input, output),
  date_format: (value, format) => dateFormat(value, format),
};

/**
 * Rewrites the Jinja call syntax students copy from Airflow, `macros.ds_add(ds, 7)`, into
 * handlebars helper syntax, `ds_add ds 7`, inside `{{ }}` only.
 */
export function rewriteMacroCalls(template: string): string {
  return template.replace(/\{\{(\s*)macros\.(\w+)\(([^()]*)\)(\s*)\}\}/g, (_whole, before: string, name: string, args: string, after: string) => {
    const parts = splitArguments(args);
    return `{{${before}${name}${parts.length > 0 ? ` ${parts.join(" ")}` : ""}${after}}}`;
  });
}

function splitArguments(text: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (const char of text) {
    if (quote) {
      current += char;
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
      current += char;
    } else if (char === ",") {
      parts.push(current.trim());
      current = "";
    } else current += char;
  }
  if (current.trim() !== "") parts.push(current.trim());
  return parts.map((part) => (part.startsWith("'") && part.endsWith("'") ? `"${part.slice(1, -1).replace(/"/g, '\\"')}"` : part));
}
