import { CliError } from "./output.js";

/** Reads `--conf`: a JSON object. */
export function parseConf(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
    return value as Record<string, unknown>;
  } catch {
    throw new CliError(`--conf must be a JSON object such as '{"name": "value"}', got ${text}`);
  }
}

/** Reads a logical date given on the command line (ISO-8601). */
export function parseLogicalDate(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime()))
    throw new CliError(`logical date "${text}" is not an ISO-8601 date such as 2024-01-01 or 2024-01-01T12:00:00Z`);
  return date;
}
