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

  /** One of the one-vs-rest classifiers: testScores gives, per row, the probability of "not this class". */
  interface TwoClassClassifier {
    testScores(X: Matrix): number[];
  }

  /** One-vs-all logistic regression by gradient ascent; classes are 0, 1, ...; no intercept of its own. */
  export default class LogisticRegression {
    constructor(options?: { numSteps?: number; learningRate?: number });
    classifiers: TwoClassClassifier[];
    train(X: Matrix, Y: Matrix): void;
    /** The class index of each row. */
    predict(X: Matrix): number[];
    toJSON(): LogisticRegressionModel;
    static load(model: LogisticRegressionModel): LogisticRegression;
  }
}
