import { CliError } from "./output.js";

/** Reads `--conf`: a JSON object. */
export function parseConf(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new CliError(`--conf must be a JSON object such as '{"name": "value"}', got ${text}`);
  return value as Record<string, unknown>;
}

/** Reads a logical date given on the command line (ISO-8601). */
export function parseLogicalDate(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime()))
    throw new CliError(`logical date "${text}" is not an ISO-8601 date such as 2024-01-01 or 2024-01-01T12:00:00Z`);
  return date;
}
