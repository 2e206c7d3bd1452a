/**
 * Lab 5's model: a logistic regression (ml-logistic-regression) on standardized loan
 * features, saved as JSON. Shared by the DAG, the notebook's window comparison and the
 * lab's checks, so all three train and score the same way.
 */
import LogisticRegression from "ml-logistic-regression";
import { Matrix } from "ml-matrix";
import {
  accuracy,
  generateDriftingLoans,
  LOAN_FEATURES,
  LOAN_LABEL,
  StandardScaler,
  toMatrix,
  toVector,
  type LoanRow,
} from "../../shared/index.js";

const DAY_MS = 24 * 3600 * 1000;

export interface TrainedModel {
  scaler: ReturnType<StandardScaler["toJSON"]>;
  /** ml-logistic-regression's own JSON: class 1 = default. */
  model: ReturnType<LogisticRegression["toJSON"]>;
}

/** ml-logistic-regression fits no intercept of its own: a constant first column plays that part. */
const withIntercept = (X: number[][]) => new Matrix(X.map((row) => [1, ...row]));

export function fit(rows: readonly LoanRow[]): TrainedModel {
  const features = [...LOAN_FEATURES];
  const scaler = new StandardScaler().fit(toMatrix(rows, features));
  const model = new LogisticRegression({ numSteps: 300, learningRate: 0.001 });
  model.train(
    withIntercept(scaler.transform(toMatrix(rows, features))),
    Matrix.columnVector(toVector(rows, LOAN_LABEL)),
  );
  return { scaler: scaler.toJSON(), model: model.toJSON() };
}

/** The share of rows whose default the model predicts right. */
export function score(trained: TrainedModel, rows: readonly LoanRow[]): number {
  const X = StandardScaler.fromJSON(trained.scaler).transform(toMatrix(rows, [...LOAN_FEATURES]));
  return accuracy(toVector(rows, LOAN_LABEL), LogisticRegression.load(trained.model).predict(withIntercept(X)));
}

/** The applications of the `windowWeeks` weeks before `weekStart`: what a run retrains on. */
export function trainingWindow(weekStart: Date, windowWeeks: number, perDay: number): LoanRow[] {
  const start = new Date(weekStart.getTime() - windowWeeks * 7 * DAY_MS);
  return generateDriftingLoans({ start, end: weekStart, perDay });
}

/**
 * How well retraining on a window of `windowWeeks` weeks does: the mean accuracy, over the
 * given weeks, of the model retrained on the weeks just before each one.
 */
export function windowAccuracy(windowWeeks: number, weekStarts: readonly Date[], perDay: number): number {
  const scores = weekStarts.map((weekStart) => {
    const week = generateDriftingLoans({
      start: weekStart,
      end: new Date(weekStart.getTime() + 7 * DAY_MS),
      perDay,
    });
    return score(fit(trainingWindow(weekStart, windowWeeks, perDay)), week);
  });
  return scores.reduce((a, b) => a + b, 0) / scores.length;
}
