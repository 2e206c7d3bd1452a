/** Aligned text tables: the CLI prints them, `dag.test()` and the notebook show them. */

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
