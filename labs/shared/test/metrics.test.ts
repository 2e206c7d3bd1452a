import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  accuracy,
  binaryClassificationReport,
  binaryConfusionMatrix,
  confusionMatrix,
  meanAbsoluteError,
  populationStabilityIndex,
  precision,
  r2Score,
  recall,
  rootMeanSquaredError,
  createRandom,
} from "../index.js";

describe("classification metrics", () => {
  const actual = [1, 1, 1, 0, 0, 0, 0, 1];
  const predicted = [1, 1, 0, 0, 0, 1, 0, 1];

  it("count each outcome in the confusion matrix", () => {
    assert.deepEqual(binaryConfusionMatrix(actual, predicted), {
      truePositive: 3,
      falsePositive: 1,
      trueNegative: 3,
      falseNegative: 1,
    });
  });

  it("compute accuracy, precision, recall and F1 from those counts", () => {
    assert.equal(accuracy(actual, predicted), 6 / 8);
    assert.equal(precision(actual, predicted), 3 / 4);
    assert.equal(recall(actual, predicted), 3 / 4);
    const report = binaryClassificationReport(actual, predicted);
    assert.equal(report.f1, 0.75);
    assert.equal(report.support, 8);
  });

  it("precision is 0, not NaN, when nothing is predicted positive", () => {
    assert.equal(precision([1, 0], [0, 0]), 0);
  });

  it("a multi-class confusion matrix has actual labels as rows", () => {
    assert.deepEqual(confusionMatrix(["a", "b", "b"], ["a", "a", "b"]), {
      labels: ["a", "b"],
      counts: [
        [1, 0],
        [1, 1],
      ],
    });
  });

  it("refuses arrays of different lengths and labels that are not binary", () => {
    assert.throws(() => accuracy([1, 0], [1]), /Expected two non-empty arrays of the same length/);
    assert.throws(() => binaryConfusionMatrix([2], [1]), /Expected binary labels 0 or 1/);
  });
});

describe("regression metrics", () => {
  it("MAE, RMSE and R² of known errors", () => {
    const actual = [1, 2, 3, 4];
    const predicted = [2, 2, 3, 2];
    assert.equal(meanAbsoluteError(actual, predicted), 3 / 4);
    assert.equal(rootMeanSquaredError(actual, predicted), Math.sqrt(5 / 4));
    assert.equal(r2Score(actual, actual), 1);
    assert.equal(r2Score(actual, [2.5, 2.5, 2.5, 2.5]), 0);
  });
});

describe("populationStabilityIndex", () => {
  it("is near 0 for two samples of one distribution and large when the distribution moves", () => {
    const random = createRandom(1);
    const reference = Array.from({ length: 2000 }, () => random.normal(0, 1));
    const same = Array.from({ length: 2000 }, () => random.normal(0, 1));
    const moved = Array.from({ length: 2000 }, () => random.normal(1, 1));
    assert.ok(populationStabilityIndex(reference, same) < 0.05);
    assert.ok(populationStabilityIndex(reference, moved) > 0.25);
  });
});
