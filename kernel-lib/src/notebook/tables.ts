import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { describeValue, ValidationError } from "../errors.js";
import { formatTable } from "../util/table.js";
import { escapeHtml, htmlTable, show } from "./display.js";
import { summarized } from "./views.js";

/** A file {@link showFiles} found: its path inside the folder, size and last change. */
export interface FileInfo {
  path: string;
  bytes: number;
  modified: string;
}

/**
 * Shows rows (plain objects) as a compact table, one column per key of the first row, and
 * returns them. For a notebook's own results: files written, metrics read back, emails.
 * @example showTable([{ metric: "accuracy", value: "91.3%" }], "Evaluation")
 */
export function showTable<Row extends Record<string, unknown>>(rows: readonly Row[], caption?: string): Row[] {
  if (!Array.isArray(rows) || !rows.every((row) => typeof row === "object" && row !== null && !Array.isArray(row))) {
    throw new ValidationError(
      `Expected a list of objects (one per row), such as [{ file: "a.csv", bytes: 12 }], got ${describeValue(rows)}`,
    );
  }
  const headers = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (value: unknown) =>
    value === undefined || value === null ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
  const captionHtml = caption ? `<div style="font-size:13px;margin:2px 0 4px">${escapeHtml(caption)}</div>` : "";
  const captionText = caption ? `${caption}\n` : "";
  if (rows.length === 0) {
    show(`${captionHtml}<div style="font-size:13px"><em>(none)</em></div>`, `${captionText}(none)`);
  } else {
    show(
      captionHtml +
        htmlTable(
          headers,
          rows.map((row) => headers.map((header) => cell(row[header]))),
        ),
      captionText +
        formatTable(
          rows,
          headers.map((header) => ({ header, value: (row: Row) => cell(row[header]) })),
        ),
    );
  }
  return summarized([...rows], `${rows.length} row(s)`);
}

/**
 * Shows the files under a folder (recursively, sorted by path) with their sizes and times,
 * and returns them; a missing folder shows as empty.
 * @example showFiles(`${process.env.KITELAB_HOME}/labs/lab1/predictions`)
 */
export function showFiles(folder: string, caption?: string): FileInfo[] {
  if (typeof folder !== "string" || folder.trim() === "") {
    throw new ValidationError(`Expected the path of a folder, got ${describeValue(folder)}`);
  }
  const root = resolve(folder);
  let names: string[] = [];
  try {
    names = readdirSync(root, { recursive: true }).map(String);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const files: FileInfo[] = names
    .map((name) => ({ name, stat: statSync(join(root, name)) }))
    .filter(({ stat }) => stat.isFile())
    .map(({ name, stat }) => ({
      path: name,
      bytes: stat.size,
      modified: stat.mtime
        .toISOString()
        .replace("T", " ")
        .replace(/\.\d{3}Z$/, ""),
    }))
    .sort((a, b) => a.path.localeCompare(b.path));
  showTable(files as unknown as Array<Record<string, unknown>>, caption ?? `${files.length} file(s) in ${root}`);
  return summarized(files, `${files.length} file(s) in ${root}`);
}
