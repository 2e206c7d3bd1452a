import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";

export type CsvRow = Record<string, string | number | boolean | null>;

/** Reads a CSV file with a header line; numbers become numbers. */
export async function readCsv(path: string): Promise<CsvRow[]> {
  const text = await readFile(path, "utf8");
  return parse(text, { columns: true, cast: true, skip_empty_lines: true, trim: true }) as CsvRow[];
}

/** CSV text for rows of objects; columns from the first row (plus any later keys). */
export function toCsv(rows: readonly Record<string, unknown>[]): string {
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  const lines = [columns.map(csvCell).join(",")];
  for (const row of rows) lines.push(columns.map((column) => csvCell(row[column])).join(","));
  return `${lines.join("\n")}\n`;
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
