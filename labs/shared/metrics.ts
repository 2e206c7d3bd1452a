import { describeValue, ValidationError } from "kitelab";

/** Counts of a binary classifier's outcomes, class 1 being "positive". */
export interface BinaryConfusionMatrix {
  truePositive: number;
  falsePositive: number;
  trueNegative: number;
  falseNegative: number;
}

export interface BinaryClassificationReport {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  confusionMatrix: BinaryConfusionMatrix;
  support: number;
}

function checkPairs(actual: readonly unknown[], predicted: readonly unknown[]): void {
  if (
    !Array.isArray(actual) ||
    !Array.isArray(predicted) ||
    actual.length !== predicted.length ||
    actual.length === 0
  ) {
    throw new ValidationError(
      `Expected two non-empty arrays of the same length (actual, predicted), got ${describeValue(actual)} and ${describeValue(predicted)}`,
    );
  }
}

/** Share of predictions equal to the actual label. */
export function accuracy<T>(actual: readonly T[], predicted: readonly T[]): number {
  checkPairs(actual, predicted);
  return actual.filter((label, index) => label === predicted[index]).length / actual.length;
}

export function binaryConfusionMatrix(actual: readonly number[], predicted: readonly number[]): BinaryConfusionMatrix {
  checkPairs(actual, predicted);
  const matrix: BinaryConfusionMatrix = { truePositive: 0, falsePositive: 0, trueNegative: 0, falseNegative: 0 };
  actual.forEach((label, index) => {
    const guess = predicted[index];
    if (label === 1 && guess === 1) matrix.truePositive += 1;
    else if (label === 0 && guess === 1) matrix.falsePositive += 1;
    else if (label === 0 && guess === 0) matrix.trueNegative += 1;
    else if (label === 1 && guess === 0) matrix.falseNegative += 1;
    else
      throw new ValidationError(
        `Expected binary labels 0 or 1, got actual ${describeValue(label)} and predicted ${describeValue(guess)} at ${index}`,
      );
  });
  return matrix;
}

/** Of the rows predicted positive, the share that are positive (0 when none are predicted). */
export function precision(actual: readonly number[], predicted: readonly number[]): number {
  const m = binaryConfusionMatrix(actual, predicted);
  return ratio(m.truePositive, m.truePositive + m.falsePositive);
}

/** Of the positive rows, the share predicted positive (0 when there are none). */
export function recall(actual: readonly number[], predicted: readonly number[]): number {
  const m = binaryConfusionMatrix(actual, predicted);
  return ratio(m.truePositive, m.truePositive + m.falseNegative);
}

/** Accuracy, precision, recall, F1 and the confusion matrix in one object. */
export function binaryClassificationReport(
  actual: readonly number[],
  predicted: readonly number[],
): BinaryClassificationReport {
  const m = binaryConfusionMatrix(actual, predicted);
  const p = ratio(m.truePositive, m.truePositive + m.falsePositive);
  const r = ratio(m.truePositive, m.truePositive + m.falseNegative);
  return {
    accuracy: (m.truePositive + m.trueNegative) / actual.length,
    precision: p,
    recall: r,
    f1: ratio(2 * p * r, p + r),
    confusionMatrix: m,
    support: actual.length,
  };
}

/** A confusion matrix for any labels: `counts[actual][predicted]`, labels sorted. */
export function confusionMatrix(
  actual: readonly string[],
  predicted: readonly string[],
): { labels: string[]; counts: number[][] } {
  checkPairs(actual, predicted);
  const labels = [...new Set([...actual, ...predicted].map(String))].sort();
  const counts = labels.map(() => new Array<number>(labels.length).fill(0));
  actual.forEach((label, index) => {
    counts[labels.indexOf(String(label))]![labels.indexOf(String(predicted[index]))]! += 1;
  });
  return { labels, counts };
}

export function meanAbsoluteError(actual: readonly number[], predicted: readonly number[]): number {
  checkPairs(actual, predicted);
  return actual.reduce((sum, value, index) => sum + Math.abs(value - predicted[index]!), 0) / actual.length;
}

export function rootMeanSquaredError(actual: readonly number[], predicted: readonly number[]): number {
  checkPairs(actual, predicted);
  return Math.sqrt(actual.reduce((sum, value, index) => sum + (value - predicted[index]!) ** 2, 0) / actual.length);
}

/** Coefficient of determination: 1 is perfect, 0 is as good as predicting the mean. */
export function r2Score(actual: readonly number[], predicted: readonly number[]): number {
  checkPairs(actual, predicted);
  const mean = actual.reduce((a, b) => a + b, 0) / actual.length;
  const total = actual.reduce((sum, value) => sum + (value - mean) ** 2, 0);
  const residual = actual.reduce((sum, value, index) => sum + (value - predicted[index]!) ** 2, 0);
  return total === 0 ? (residual === 0 ? 1 : 0) : 1 - residual / total;
}

/**
 * Population Stability Index of a feature between a reference sample and a new one, on
 * the reference's deciles: under 0.1 stable, 0.1 to 0.25 some drift, above 0.25 drift.
 */
export function populationStabilityIndex(reference: readonly number[], current: readonly number[], bins = 10): number {
  if (reference.length === 0 || current.length === 0) {
    throw new ValidationError(`Expected two non-empty samples, got ${reference.length} and ${current.length} values`);
  }
  const sorted = [...reference].sort((a, b) => a - b);
  const edges = Array.from({ length: bins - 1 }, (_, i) => sorted[Math.floor(((i + 1) * sorted.length) / bins)]!);
  const shares = (values: readonly number[]) => {
    const counts = new Array<number>(bins).fill(0);
    for (const value of values) {
      let bin = 0;
      while (bin < edges.length && value > edges[bin]!) bin += 1;
      counts[bin]! += 1;
    }
    return counts.map((count) => Math.max(count / values.length, 1e-4));
  };
  const expected = shares(reference);
  const actual = shares(current);
  return expected.reduce((sum, e, i) => sum + (actual[i]! - e) * Math.log(actual[i]! / e), 0);
}

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}
