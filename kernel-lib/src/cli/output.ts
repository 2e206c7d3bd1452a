/** Helpers every CLI command uses: tables for people, JSON for scripts, one-line errors. */

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

export interface Column<Row> {
  header: string;
  value: (row: Row) => string | number | boolean | undefined | null;
}

/** Renders rows as an aligned text table with a header line. */
export function formatTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cells = rows.map((row) => columns.map((column) => cellText(column.value(row))));
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((line) => line[index]!.length)),
  );
  const line = (values: string[]) =>
    values
      .map((value, index) => value.padEnd(widths[index]!))
      .join("  ")
      .trimEnd();
  const header = line(columns.map((column) => column.header));
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  return [header, rule, ...cells.map(line)].join("\n");
}

function cellText(value: string | number | boolean | undefined | null): string {
  if (value === undefined || value === null) return "";
  return String(value);
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
