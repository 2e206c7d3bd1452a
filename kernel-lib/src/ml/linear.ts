import { ValidationError } from "../errors.js";
import { checkMatrix, checkModelJson, checkSameLength, type Matrix } from "./checks.js";
import { dot } from "./logistic.js";

export interface LinearRegressionJson {
  kind: "LinearRegression";
  weights: number[];
  bias: number;
}

/**
 * Ordinary least squares, solved exactly (normal equations with a tiny ridge for
 * stability). Lab 1's model: small enough to read.
 * @example const model = new LinearRegression().fit([[1], [2], [3]], [2, 4, 6]); model.predict([[4]]); // [8]
 */
export class LinearRegression {
  private state?: { weights: number[]; bias: number };

  fit(X: Matrix, y: readonly number[]): this {
    const width = checkMatrix(X);
    checkSameLength(X, y);
    const size = width + 1;
    const a = Array.from({ length: size }, () => new Array<number>(size).fill(0));
    const b = new Array<number>(size).fill(0);
    X.forEach((row, i) => {
      const extended = [...row, 1];
      for (let r = 0; r < size; r += 1) {
        b[r]! += extended[r]! * y[i]!;
        for (let c = 0; c < size; c += 1) a[r]![c]! += extended[r]! * extended[c]!;
      }
    });
    for (let r = 0; r < width; r += 1) a[r]![r]! += 1e-9;
    const solution = solve(a, b);
    this.state = { weights: solution.slice(0, width), bias: solution[width]! };
    return this;
  }

  predict(X: Matrix): number[] {
    const { weights, bias } = this.fitted();
    const width = checkMatrix(X);
    if (width !== weights.length)
      throw new ValidationError(`Expected rows of ${weights.length} features (as in fit), got ${width}`);
    return X.map((row) => dot(weights, row) + bias);
  }

  get coefficients(): { weights: number[]; bias: number } {
    const { weights, bias } = this.fitted();
    return { weights: [...weights], bias };
  }

  toJSON(): LinearRegressionJson {
    const { weights, bias } = this.fitted();
    return { kind: "LinearRegression", weights: [...weights], bias };
  }

  static fromJSON(json: unknown): LinearRegression {
    const data = checkModelJson(json, "LinearRegression") as unknown as LinearRegressionJson;
    const model = new LinearRegression();
    model.state = { weights: [...data.weights], bias: data.bias };
    return model;
  }

  private fitted() {
    if (!this.state) throw new ValidationError("This LinearRegression is not trained yet; call fit(X, y) first");
    return this.state;
  }
}

/** Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col += 1) {
    let pivot = col;
    for (let r = col + 1; r < n; r += 1) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const p = m[col]![col]!;
    if (Math.abs(p) < 1e-12)
      throw new ValidationError("The features are linearly dependent (a column repeats another); drop one of them");
    for (let r = 0; r < n; r += 1) {
      if (r === col) continue;
      const factor = m[r]![col]! / p;
      for (let c = col; c <= n; c += 1) m[r]![c]! -= factor * m[col]![c]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}
