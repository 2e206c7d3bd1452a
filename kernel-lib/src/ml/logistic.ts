import { ValidationError, describeValue } from "../errors.js";
import {
  checkMatrix,
  checkModelJson,
  checkPositiveInteger,
  checkPositiveNumber,
  checkSameLength,
  type Matrix,
} from "./checks.js";

export interface LogisticRegressionOptions {
  /** Step size of gradient descent. @default 0.1 */
  learningRate?: number;
  /** Passes over the training set. @default 1000 */
  epochs?: number;
  /** L2 penalty on the weights (not the bias). @default 0 */
  l2?: number;
}

export interface LogisticRegressionJson {
  kind: "LogisticRegression";
  weights: number[];
  bias: number;
  options: Required<LogisticRegressionOptions>;
}

/**
 * Binary logistic regression trained by full-batch gradient descent on the log loss.
 * Labels are 0 and 1. Scale the features first (StandardScaler) so one learning rate suits all.
 * @example
 * const model = new LogisticRegression({ epochs: 500 }).fit(XTrain, yTrain);
 * const predicted = model.predict(XTest);
 */
export class LogisticRegression {
  readonly options: Required<LogisticRegressionOptions>;
  private weights?: number[];
  private bias = 0;

  constructor(options: LogisticRegressionOptions = {}) {
    this.options = {
      learningRate: checkPositiveNumber(options.learningRate ?? 0.1, "learningRate"),
      epochs: checkPositiveInteger(options.epochs ?? 1000, "epochs"),
      l2: options.l2 ?? 0,
    };
    if (!(this.options.l2 >= 0))
      throw new ValidationError(`Expected \`l2\` to be a non-negative number, got ${describeValue(options.l2)}`);
  }

  fit(X: Matrix, y: readonly number[]): this {
    const width = checkMatrix(X);
    checkSameLength(X, y);
    y.forEach((label, index) => {
      if (label !== 0 && label !== 1)
        throw new ValidationError(`Expected labels 0 or 1, got ${describeValue(label)} at row ${index}`);
    });
    const weights = new Array<number>(width).fill(0);
    let bias = 0;
    const { learningRate, epochs, l2 } = this.options;
    const n = X.length;
    for (let epoch = 0; epoch < epochs; epoch += 1) {
      const gradient = new Array<number>(width).fill(0);
      let biasGradient = 0;
      for (let i = 0; i < n; i += 1) {
        const row = X[i]!;
        const error = sigmoid(dot(weights, row) + bias) - y[i]!;
        for (let j = 0; j < width; j += 1) gradient[j]! += error * row[j]!;
        biasGradient += error;
      }
      for (let j = 0; j < width; j += 1) weights[j]! -= learningRate * (gradient[j]! / n + l2 * weights[j]!);
      bias -= learningRate * (biasGradient / n);
    }
    this.weights = weights;
    this.bias = bias;
    return this;
  }

  /** The probability of class 1 for each row. */
  predictProba(X: Matrix): number[] {
    const weights = this.fittedWeights();
    const width = checkMatrix(X);
    if (width !== weights.length)
      throw new ValidationError(`Expected rows of ${weights.length} features (as in fit), got ${width}`);
    return X.map((row) => sigmoid(dot(weights, row) + this.bias));
  }

  /** 1 where the probability of class 1 is at least `threshold`, else 0. */
  predict(X: Matrix, threshold = 0.5): number[] {
    return this.predictProba(X).map((p) => (p >= threshold ? 1 : 0));
  }

  get coefficients(): { weights: number[]; bias: number } {
    return { weights: [...this.fittedWeights()], bias: this.bias };
  }

  toJSON(): LogisticRegressionJson {
    return {
      kind: "LogisticRegression",
      weights: [...this.fittedWeights()],
      bias: this.bias,
      options: { ...this.options },
    };
  }

  static fromJSON(json: unknown): LogisticRegression {
    const data = checkModelJson(json, "LogisticRegression") as unknown as LogisticRegressionJson;
    const model = new LogisticRegression(data.options);
    model.weights = [...data.weights];
    model.bias = data.bias;
    return model;
  }

  private fittedWeights(): number[] {
    if (!this.weights) throw new ValidationError("This LogisticRegression is not trained yet; call fit(X, y) first");
    return this.weights;
  }
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function dot(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += a[i]! * b[i]!;
  return sum;
}
