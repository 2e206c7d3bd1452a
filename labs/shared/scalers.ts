import { ValidationError } from "kitelab";
import { checkMatrix, checkModelJson, type Matrix } from "./checks.js";

/** A fitted scaler's numbers, as saved to JSON. */
export interface MinMaxScalerJson {
  kind: "MinMaxScaler";
  min: number[];
  max: number[];
}

export interface StandardScalerJson {
  kind: "StandardScaler";
  mean: number[];
  std: number[];
}

/**
 * Scales each feature to [0, 1] with the training set's min and max (scikit-learn's
 * MinMaxScaler). A constant feature becomes 0.
 * @example const scaler = new MinMaxScaler().fit(XTrain); const XTest01 = scaler.transform(XTest);
 */
export class MinMaxScaler {
  private params?: { min: number[]; max: number[] };

  fit(X: Matrix): this {
    const width = checkMatrix(X);
    const min = Array.from({ length: width }, (_, column) => Math.min(...X.map((row) => row[column]!)));
    const max = Array.from({ length: width }, (_, column) => Math.max(...X.map((row) => row[column]!)));
    this.params = { min, max };
    return this;
  }

  transform(X: Matrix): Matrix {
    const { min, max } = fitted(this.params, "MinMaxScaler");
    checkWidth(X, min.length);
    return X.map((row) =>
      row.map((value, column) =>
        max[column]! === min[column]! ? 0 : (value - min[column]!) / (max[column]! - min[column]!),
      ),
    );
  }

  fitTransform(X: Matrix): Matrix {
    return this.fit(X).transform(X);
  }

  toJSON(): MinMaxScalerJson {
    const { min, max } = fitted(this.params, "MinMaxScaler");
    return { kind: "MinMaxScaler", min: [...min], max: [...max] };
  }

  static fromJSON(json: unknown): MinMaxScaler {
    const data = checkModelJson(json, "MinMaxScaler") as unknown as MinMaxScalerJson;
    const scaler = new MinMaxScaler();
    scaler.params = { min: [...data.min], max: [...data.max] };
    return scaler;
  }
}

/**
 * Centres each feature on the training mean and divides by its standard deviation
 * (scikit-learn's StandardScaler, population std). A constant feature becomes 0.
 */
export class StandardScaler {
  private params?: { mean: number[]; std: number[] };

  fit(X: Matrix): this {
    const width = checkMatrix(X);
    const mean = Array.from({ length: width }, (_, column) => X.reduce((sum, row) => sum + row[column]!, 0) / X.length);
    const std = mean.map((m, column) => Math.sqrt(X.reduce((sum, row) => sum + (row[column]! - m) ** 2, 0) / X.length));
    this.params = { mean, std };
    return this;
  }

  transform(X: Matrix): Matrix {
    const { mean, std } = fitted(this.params, "StandardScaler");
    checkWidth(X, mean.length);
    return X.map((row) =>
      row.map((value, column) => (std[column]! === 0 ? 0 : (value - mean[column]!) / std[column]!)),
    );
  }

  fitTransform(X: Matrix): Matrix {
    return this.fit(X).transform(X);
  }

  toJSON(): StandardScalerJson {
    const { mean, std } = fitted(this.params, "StandardScaler");
    return { kind: "StandardScaler", mean: [...mean], std: [...std] };
  }

  static fromJSON(json: unknown): StandardScaler {
    const data = checkModelJson(json, "StandardScaler") as unknown as StandardScalerJson;
    const scaler = new StandardScaler();
    scaler.params = { mean: [...data.mean], std: [...data.std] };
    return scaler;
  }
}

export type Scaler = MinMaxScaler | StandardScaler;

/** Loads either scaler from its JSON. */
export function scalerFromJSON(json: unknown): Scaler {
  const kind = (json as { kind?: unknown } | null)?.kind;
  return kind === "MinMaxScaler" ? MinMaxScaler.fromJSON(json) : StandardScaler.fromJSON(json);
}

function fitted<T>(params: T | undefined, name: string): T {
  if (!params) throw new ValidationError(`This ${name} is not fitted yet; call fit(XTrain) first`);
  return params;
}

function checkWidth(X: Matrix, width: number): void {
  const got = checkMatrix(X);
  if (got !== width) throw new ValidationError(`Expected rows of ${width} features (as in fit), got ${got}`);
}
