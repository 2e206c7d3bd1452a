import { describeValue, ValidationError } from "kitelab";
import { createRandom } from "./random.js";

export interface TrainTestSplitOptions {
  /** Share of rows held out for testing. @default 0.3 */
  testSize?: number;
  /** Seed of the shuffle: the same seed gives the same split. @default 42 */
  seed?: number;
}

/**
 * Shuffles rows with a seed and cuts them into a training and a test set
 * (scikit-learn's `train_test_split`). The input is not changed.
 * @example const { train, test } = trainTestSplit(rows, { testSize: 0.3, seed: 42 });
 */
export function trainTestSplit<T>(rows: readonly T[], options: TrainTestSplitOptions = {}): { train: T[]; test: T[] } {
  const testSize = options.testSize ?? 0.3;
  if (typeof testSize !== "number" || !(testSize > 0 && testSize < 1)) {
    throw new ValidationError(
      `Expected \`testSize\` to be a number between 0 and 1 (exclusive), got ${describeValue(testSize)}`,
    );
  }
  if (!Array.isArray(rows) || rows.length < 2) {
    throw new ValidationError(
      `Expected at least 2 rows to split, got ${Array.isArray(rows) ? rows.length : describeValue(rows)}`,
    );
  }
  const shuffled = createRandom(options.seed ?? 42).shuffle(rows);
  const testCount = Math.min(rows.length - 1, Math.max(1, Math.round(rows.length * testSize)));
  return { test: shuffled.slice(0, testCount), train: shuffled.slice(testCount) };
}
