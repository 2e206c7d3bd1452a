import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createRandom, MinMaxScaler, scalerFromJSON, StandardScaler, trainTestSplit } from "../index.js";

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
