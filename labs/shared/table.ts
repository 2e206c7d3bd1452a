import { describeValue, ValidationError } from "kitelab";
import type { Matrix } from "./checks.js";

/** A row read from a CSV file or a database table. */
export type Row = Record<string, unknown>;

/**
 * Picks numeric columns out of rows into a feature matrix, naming the column and row of
 * any value that is not a number (a typo in a column name, a missing value).
 * @example const X = toMatrix(rows, ["Age", "Area Income"]);
 */
export function toMatrix(rows: readonly Row[], columns: readonly string[]): Matrix {
  return rows.map((row, index) =>
    columns.map((column) => {
      const value = row[column];
      if (typeof value !== "number" || !Number.isFinite(value)) {
        const known = Object.keys(row);
        const hint =
          column in row
            ? "clean or impute missing values first"
            : `the row has columns ${known.map((k) => `"${k}"`).join(", ")}`;
        throw new ValidationError(
          `Expected column "${column}" of row ${index} to be a number, got ${describeValue(value)}; ${hint}`,
        );
      }
      return value;
    }),
  );
}

/** One numeric column as an array. */
export function toVector(rows: readonly Row[], column: string): number[] {
  return toMatrix(rows, [column]).map((row) => row[0]!);
}

/** Rows of objects from a matrix and column names (for writing a CSV). */
export function fromMatrix(X: Matrix, columns: readonly string[]): Array<Record<string, number>> {
  return X.map((row) => Object.fromEntries(columns.map((column, index) => [column, row[index]!])));
}
