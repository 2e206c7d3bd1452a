/** Helpers every CLI command uses: tables for people, JSON for scripts, one-line errors. */

import { type Column, formatTable } from "../util/table.js";

export type { Column } from "../util/table.js";
export { formatTable } from "../util/table.js";

export type OutputFormat = "table" | "json" | "plain";

/** Thrown by a command to stop with one clear line and a non-zero exit code. */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Prints rows as a table, or as a JSON array when `--output json` was given. */
export function printRows<Row>(
  rows: readonly Row[],
  columns: readonly Column<Row>[],
  format: OutputFormat,
  toJson: (row: Row) => unknown = (row) => row,
): void {
  if (format === "json") {
    process.stdout.write(`${JSON.stringify(rows.map(toJson), null, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    process.stdout.write("(nothing to show)\n");
    return;
  }
  process.stdout.write(`${formatTable(rows, columns)}\n`);
}

export function parseOutputFormat(value: string): OutputFormat {
  if (value === "table" || value === "json" || value === "plain") return value;
  throw new CliError(`--output must be one of table, json, plain; got "${value}"`);
}
