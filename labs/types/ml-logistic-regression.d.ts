// ml-logistic-regression ships no types; this declares the part the labs use.
declare module "ml-logistic-regression" {
  import type { Matrix } from "ml-matrix";

  interface LogisticRegressionModel {
    name: "LogisticRegression";
    numSteps: number;
    learningRate: number;
    numberClasses: number;
    classifiers: unknown[];
  }

  /** One-vs-all logistic regression by gradient ascent; classes are 0, 1, ...; no intercept of its own. */
  export default class LogisticRegression {
    constructor(options?: { numSteps?: number; learningRate?: number });
    train(X: Matrix, Y: Matrix): void;
    /** The class index of each row. */
    predict(X: Matrix): number[];
    toJSON(): LogisticRegressionModel;
    static load(model: LogisticRegressionModel): LogisticRegression;
  }
}
