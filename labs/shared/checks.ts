import { describeValue, ValidationError } from "kitelab";

/** A feature matrix: one row per example, one column per feature. */
export type Matrix = number[][];

/** Checks a feature matrix: non-empty, rectangular, finite numbers. Returns the column count. */
export function checkMatrix(X: unknown, name = "X"): number {
  if (!Array.isArray(X) || X.length === 0) {
    throw new ValidationError(
      `Expected \`${name}\` to be a non-empty array of rows (number[][]), got ${describeValue(X)}`,
    );
  }
  const width = Array.isArray(X[0]) ? X[0].length : -1;
  X.forEach((row: unknown, index) => {
    if (!Array.isArray(row) || row.length !== width || width === 0) {
      throw new ValidationError(
        `Expected every row of \`${name}\` to be an array of ${width > 0 ? width : "one or more"} numbers, but row ${index} is ${describeValue(row)}`,
      );
    }
    row.forEach((value: unknown, column) => {
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new ValidationError(
          `Expected \`${name}[${index}][${column}]\` to be a finite number, got ${describeValue(value)}; clean or impute missing values before training`,
        );
      }
    });
  });
  return width;
}

/** Checks that labels or targets line up with the rows of X. */
export function checkSameLength(X: readonly unknown[], y: readonly unknown[], yName = "y"): void {
  if (!Array.isArray(y) || y.length !== X.length) {
    throw new ValidationError(
      `Expected \`${yName}\` to have one value per row of X (${X.length}), got ${Array.isArray(y) ? y.length : describeValue(y)}`,
    );
  }
}

export function checkPositiveInteger(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new ValidationError(`Expected \`${name}\` to be a positive integer, got ${describeValue(value)}`);
  }
  return value;
}

export function checkPositiveNumber(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new ValidationError(`Expected \`${name}\` to be a positive number, got ${describeValue(value)}`);
  }
  return value;
}

/** Checks the `kind` field of a saved model before it is loaded. */
export function checkModelJson(json: unknown, kind: string): Record<string, unknown> {
  if (typeof json !== "object" || json === null || (json as { kind?: unknown }).kind !== kind) {
    const found = typeof json === "object" && json !== null ? (json as { kind?: unknown }).kind : json;
    throw new ValidationError(
      `Expected a saved model of kind "${kind}", got ${describeValue(found)}; was this file written by ${kind}.toJSON()?`,
    );
  }
  return json as Record<string, unknown>;
}
