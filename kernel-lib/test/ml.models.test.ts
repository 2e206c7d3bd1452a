import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  createRandom,
  DecisionTreeClassifier,
  DecisionTreeRegressor,
  LinearRegression,
  LogisticRegression,
  MinMaxScaler,
  RandomForestRegressor,
  scalerFromJSON,
  SoftmaxRegression,
  StandardScaler,
  trainTestSplit,
  accuracy,
  r2Score,
} from "../src/ml/index.js";

/** Two Gaussian blobs on either side of the line x + y = 0. */
function separable(count: number, seed: number) {
  const random = createRandom(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const label = i % 2;
    const centre = label === 1 ? 2 : -2;
    X.push([centre + random.normal(0, 0.5), centre + random.normal(0, 0.5)]);
    y.push(label);
  }
  return { X, y };
}

describe("seeded randomness", () => {
  it("gives the same sequence for the same seed and a different one for another seed", () => {
    const a = createRandom(7);
    const b = createRandom(7);
    const c = createRandom(8);
    const first = Array.from({ length: 5 }, () => a.next());
    assert.deepEqual(
      first,
      Array.from({ length: 5 }, () => b.next()),
    );
    assert.notDeepEqual(
      first,
      Array.from({ length: 5 }, () => c.next()),
    );
    for (const value of first) assert.ok(value >= 0 && value < 1);
  });

  it("refuses a seed that is not an integer", () => {
    assert.throws(() => createRandom(1.5), /Expected `seed` to be an integer, got 1.5 \(number\)/);
  });
});

describe("trainTestSplit", () => {
  it("is deterministic for a seed, keeps every row exactly once and holds out testSize of them", () => {
    const rows = Array.from({ length: 100 }, (_, index) => index);
    const first = trainTestSplit(rows, { testSize: 0.3, seed: 1 });
    assert.deepEqual(trainTestSplit(rows, { testSize: 0.3, seed: 1 }), first);
    assert.notDeepEqual(trainTestSplit(rows, { testSize: 0.3, seed: 2 }).test, first.test);
    assert.equal(first.test.length, 30);
    assert.deepEqual(
      [...first.train, ...first.test].sort((a, b) => a - b),
      rows,
    );
    assert.deepEqual(
      rows,
      Array.from({ length: 100 }, (_, index) => index),
      "the input is not shuffled in place",
    );
  });

  it("keeps at least one row on each side for any size and share", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 200 }),
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        (size, testSize) => {
          const { train, test } = trainTestSplit(
            Array.from({ length: size }, (_, i) => i),
            { testSize },
          );
          return train.length >= 1 && test.length >= 1 && train.length + test.length === size;
        },
      ),
    );
  });

  it("names the option when testSize is out of range", () => {
    assert.throws(
      () => trainTestSplit([1, 2, 3], { testSize: 1.5 }),
      /Expected `testSize` to be a number between 0 and 1 \(exclusive\), got 1.5 \(number\)/,
    );
  });
});

describe("scalers", () => {
  const X = [
    [1, 10],
    [2, 20],
    [3, 30],
    [4, 40],
  ];

  it("MinMaxScaler maps the training range of each column to [0, 1] and reuses it on new rows", () => {
    const scaler = new MinMaxScaler().fit(X);
    assert.deepEqual(scaler.transform(X), [
      [0, 0],
      [1 / 3, 1 / 3],
      [2 / 3, 2 / 3],
      [1, 1],
    ]);
    assert.deepEqual(scaler.transform([[5, 0]]), [[4 / 3, -1 / 3]]);
  });

  it("StandardScaler gives each column mean 0 and standard deviation 1", () => {
    const scaled = new StandardScaler().fitTransform(X);
    for (const column of [0, 1]) {
      const values = scaled.map((row) => row[column]!);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const sd = Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length);
      assert.ok(Math.abs(mean) < 1e-12);
      assert.ok(Math.abs(sd - 1) < 1e-12);
    }
  });

  it("a constant column scales to 0 instead of dividing by zero", () => {
    assert.deepEqual(new StandardScaler().fitTransform([[5], [5]]), [[0], [0]]);
    assert.deepEqual(new MinMaxScaler().fitTransform([[5], [5]]), [[0], [0]]);
  });

  it("round-trips through JSON and refuses to transform before fit", () => {
    const scaler = new StandardScaler().fit(X);
    const restored = scalerFromJSON(JSON.parse(JSON.stringify(scaler)));
    assert.deepEqual(restored.transform(X), scaler.transform(X));
    assert.throws(() => new MinMaxScaler().transform(X), /not fitted yet; call fit\(XTrain\) first/);
    assert.throws(() => scaler.transform([[1]]), /Expected rows of 2 features \(as in fit\), got 1/);
  });

  it("names the row and column of a missing value", () => {
    assert.throws(
      () =>
        new StandardScaler().fit([
          [1, 2],
          [3, Number.NaN],
        ]),
      /`X\[1\]\[1\]` to be a finite number, got NaN/,
    );
  });
});

describe("LogisticRegression", () => {
  it("learns a linearly separable set and survives a JSON round trip", () => {
    const { X, y } = separable(200, 3);
    const model = new LogisticRegression({ epochs: 300 }).fit(X, y);
    assert.equal(accuracy(y, model.predict(X)), 1);
    const restored = LogisticRegression.fromJSON(JSON.parse(JSON.stringify(model)));
    assert.deepEqual(restored.predictProba(X), model.predictProba(X));
    const { weights } = model.coefficients;
    assert.ok(weights[0]! > 0 && weights[1]! > 0, "both features push towards class 1");
  });

  it("refuses labels other than 0 and 1, and a model of another kind", () => {
    assert.throws(
      () => new LogisticRegression().fit([[1], [2]], [0, 2]),
      /Expected labels 0 or 1, got 2 \(number\) at row 1/,
    );
    assert.throws(
      () => LogisticRegression.fromJSON({ kind: "StandardScaler" }),
      /Expected a saved model of kind "LogisticRegression", got "StandardScaler"/,
    );
    assert.throws(
      () => new LogisticRegression({ epochs: 0 }),
      /Expected `epochs` to be a positive integer, got 0 \(number\)/,
    );
  });
});

describe("SoftmaxRegression", () => {
  it("separates three clusters with string labels", () => {
    const random = createRandom(5);
    const centres: Record<string, number[]> = { a: [0, 4], b: [4, 0], c: [-4, -4] };
    const X: number[][] = [];
    const y: string[] = [];
    for (let i = 0; i < 150; i += 1) {
      const label = ["a", "b", "c"][i % 3]!;
      X.push(centres[label]!.map((v) => v + random.normal(0, 0.5)));
      y.push(label);
    }
    const model = new SoftmaxRegression({ epochs: 200 }).fit(X, y);
    assert.deepEqual(model.classes, ["a", "b", "c"]);
    assert.equal(accuracy(y, model.predict(X)), 1);
    const probabilities = model.predictProba([X[0]!])[0]!;
    assert.ok(Math.abs(probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.deepEqual(SoftmaxRegression.fromJSON(JSON.parse(JSON.stringify(model))).predict(X), model.predict(X));
  });
});

describe("LinearRegression", () => {
  it("recovers the coefficients of an exact linear function", () => {
    const X = [
      [0, 1],
      [1, 0],
      [2, 3],
      [3, 5],
      [4, 1],
    ];
    const y = X.map(([a, b]) => 3 * a! - 2 * b! + 7);
    const model = new LinearRegression().fit(X, y);
    const { weights, bias } = model.coefficients;
    assert.ok(Math.abs(weights[0]! - 3) < 1e-6 && Math.abs(weights[1]! + 2) < 1e-6 && Math.abs(bias - 7) < 1e-6);
    assert.ok(
      Math.abs(LinearRegression.fromJSON(JSON.parse(JSON.stringify(model))).predict([[10, 10]])[0]! - 17) < 1e-6,
    );
  });
});

describe("trees and forests", () => {
  it("a regression tree fits a step function exactly", () => {
    const X = Array.from({ length: 40 }, (_, i) => [i]);
    const y = X.map(([x]) => (x! < 10 ? 1 : x! < 25 ? 5 : 2));
    const tree = new DecisionTreeRegressor({ maxDepth: 3 }).fit(X, y);
    assert.deepEqual(tree.predict(X), y);
    assert.ok(tree.depth <= 3);
    assert.deepEqual(
      DecisionTreeRegressor.fromJSON(JSON.parse(JSON.stringify(tree))).predict([[3], [12], [30]]),
      [1, 5, 2],
    );
  });

  it("maxDepth bounds the tree, so a depth-1 tree is a single split", () => {
    const X = Array.from({ length: 40 }, (_, i) => [i]);
    const tree = new DecisionTreeRegressor({ maxDepth: 1 }).fit(
      X,
      X.map(([x]) => x!),
    );
    assert.equal(tree.depth, 1);
    assert.equal(new Set(tree.predict(X)).size, 2);
  });

  it("a classification tree learns an XOR pattern a linear model cannot", () => {
    const X: number[][] = [];
    const y: string[] = [];
    for (let i = 0; i < 10; i += 1)
      for (let j = 0; j < 10; j += 1) {
        X.push([i, j]);
        y.push(i < 5 === j < 5 ? "same" : "different");
      }
    const tree = new DecisionTreeClassifier({ maxDepth: 3 }).fit(X, y);
    assert.equal(accuracy(y, tree.predict(X)), 1);
  });

  it("a random forest fits a smooth function of two features, and the same seed gives the same forest", () => {
    const random = createRandom(11);
    const X = Array.from({ length: 200 }, () => [random.uniform(0, 10), random.uniform(0, 10)]);
    const f = ([a, b]: number[]) => Math.sin(a!) * 3 + b!;
    const y = X.map(f);
    const { train, test } = trainTestSplit([...X.keys()], { testSize: 0.25, seed: 1 });
    const fit = (seed: number) =>
      new RandomForestRegressor({ nEstimators: 20, maxDepth: 8, seed }).fit(
        train.map((i) => X[i]!),
        train.map((i) => y[i]!),
      );
    const forest = fit(42);
    const predicted = forest.predict(test.map((i) => X[i]!));
    assert.ok(
      r2Score(
        test.map((i) => y[i]!),
        predicted,
      ) > 0.9,
    );
    assert.deepEqual(fit(42).predict(test.map((i) => X[i]!)), predicted);
    assert.notDeepEqual(fit(43).predict(test.map((i) => X[i]!)), predicted);
    assert.equal(forest.size, 20);
    assert.deepEqual(
      RandomForestRegressor.fromJSON(JSON.parse(JSON.stringify(forest))).predict(test.map((i) => X[i]!)),
      predicted,
    );
  });
});
