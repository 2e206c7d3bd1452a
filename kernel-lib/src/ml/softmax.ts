import { ValidationError, describeValue } from "../errors.js";
import {
  checkMatrix,
  checkModelJson,
  checkPositiveInteger,
  checkPositiveNumber,
  checkSameLength,
  type Matrix,
} from "./checks.js";
import { dot } from "./logistic.js";

export interface SoftmaxRegressionOptions {
  /** @default 0.1 */
  learningRate?: number;
  /** @default 1000 */
  epochs?: number;
  /** L2 penalty on the weights. @default 0 */
  l2?: number;
}

export interface SoftmaxRegressionJson {
  kind: "SoftmaxRegression";
  classes: string[];
  weights: number[][];
  biases: number[];
  options: Required<SoftmaxRegressionOptions>;
}

/**
 * Multinomial logistic regression (softmax) by gradient descent, for string class labels
 * such as penguin species.
 * @example const model = new SoftmaxRegression().fit(X, ["Adelie", "Gentoo", ...]);
 */
export class SoftmaxRegression {
  readonly options: Required<SoftmaxRegressionOptions>;
  private state?: { classes: string[]; weights: number[][]; biases: number[] };

  constructor(options: SoftmaxRegressionOptions = {}) {
    this.options = {
      learningRate: checkPositiveNumber(options.learningRate ?? 0.1, "learningRate"),
      epochs: checkPositiveInteger(options.epochs ?? 1000, "epochs"),
      l2: options.l2 ?? 0,
    };
    if (!(this.options.l2 >= 0))
      throw new ValidationError(`Expected \`l2\` to be a non-negative number, got ${describeValue(options.l2)}`);
  }

  fit(X: Matrix, y: readonly string[]): this {
    const width = checkMatrix(X);
    checkSameLength(X, y);
    const classes = [...new Set(y.map(String))].sort();
    if (classes.length < 2)
      throw new ValidationError(`Expected at least 2 classes in y, got ${classes.length} (${classes.join(", ")})`);
    const target = y.map((label) => classes.indexOf(String(label)));
    const weights = classes.map(() => new Array<number>(width).fill(0));
    const biases = new Array<number>(classes.length).fill(0);
    const { learningRate, epochs, l2 } = this.options;
    const n = X.length;
    for (let epoch = 0; epoch < epochs; epoch += 1) {
      const gradW = classes.map(() => new Array<number>(width).fill(0));
      const gradB = new Array<number>(classes.length).fill(0);
      for (let i = 0; i < n; i += 1) {
        const row = X[i]!;
        const probabilities = softmax(weights.map((w, k) => dot(w, row) + biases[k]!));
        for (let k = 0; k < classes.length; k += 1) {
          const error = probabilities[k]! - (target[i] === k ? 1 : 0);
          for (let j = 0; j < width; j += 1) gradW[k]![j]! += error * row[j]!;
          gradB[k]! += error;
        }
      }
      for (let k = 0; k < classes.length; k += 1) {
        for (let j = 0; j < width; j += 1) weights[k]![j]! -= learningRate * (gradW[k]![j]! / n + l2 * weights[k]![j]!);
        biases[k]! -= learningRate * (gradB[k]! / n);
      }
    }
    this.state = { classes, weights, biases };
    return this;
  }

  get classes(): string[] {
    return [...this.fitted().classes];
  }

  /** One probability per class (in `classes` order) for each row. */
  predictProba(X: Matrix): number[][] {
    const { weights, biases } = this.fitted();
    const width = checkMatrix(X);
    if (width !== weights[0]!.length)
      throw new ValidationError(`Expected rows of ${weights[0]!.length} features (as in fit), got ${width}`);
    return X.map((row) => softmax(weights.map((w, k) => dot(w, row) + biases[k]!)));
  }

  predict(X: Matrix): string[] {
    const { classes } = this.fitted();
    return this.predictProba(X).map((p) => classes[p.indexOf(Math.max(...p))]!);
  }

  toJSON(): SoftmaxRegressionJson {
    const { classes, weights, biases } = this.fitted();
    return {
      kind: "SoftmaxRegression",
      classes: [...classes],
      weights: weights.map((w) => [...w]),
      biases: [...biases],
      options: { ...this.options },
    };
  }

  static fromJSON(json: unknown): SoftmaxRegression {
    const data = checkModelJson(json, "SoftmaxRegression") as unknown as SoftmaxRegressionJson;
    const model = new SoftmaxRegression(data.options);
    model.state = { classes: [...data.classes], weights: data.weights.map((w) => [...w]), biases: [...data.biases] };
    return model;
  }

  private fitted() {
    if (!this.state) throw new ValidationError("This SoftmaxRegression is not trained yet; call fit(X, y) first");
    return this.state;
  }
}

function softmax(scores: number[]): number[] {
  const top = Math.max(...scores);
  const exps = scores.map((score) => Math.exp(score - top));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((value) => value / total);
}
