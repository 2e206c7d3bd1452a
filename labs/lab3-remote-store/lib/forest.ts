/**
 * The machine learning of lab 3, given: train a random forest on the petrol consumption
 * table read from one file, save it to another. The lab is about what happens around it
 * (where the files come from, what they are called, where the model goes), so the DAG's
 * task only passes the two paths, its run's params rendered.
 * @example
 * const metrics = await trainForest("/tmp/petrol_20240101.csv", "/tmp/random_forest_2024-01-01.json", { nEstimators: 50, maxDepth: 6, seed: 42 });
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { readCsv } from "kitelab";
import { RandomForestRegression } from "ml-random-forest";
import {
  meanAbsoluteError,
  PETROL_FEATURES,
  PETROL_TARGET,
  r2Score,
  toMatrix,
  toVector,
  trainTestSplit,
} from "../../shared/index.js";

export interface ForestOptions {
  nEstimators: number;
  maxDepth: number;
  seed: number;
}

export interface ForestMetrics {
  r2: number;
  mae: number;
  trainRows: number;
  testRows: number;
}

/** Trains on `datasetPath` (CSV), scores on a held-out quarter, writes the model as JSON to `modelPath`. */
export async function trainForest(datasetPath: string, modelPath: string, options: ForestOptions): Promise<ForestMetrics> {
  const rows = await readCsv(datasetPath);
  const features = [...PETROL_FEATURES];
  const { train, test } = trainTestSplit(rows, { testSize: 0.25, seed: options.seed });
  // ml.js's random forest (ml-random-forest): bootstrap samples, each tree on all features, as scikit-learn's regressor.
  const forest = new RandomForestRegression({
    nEstimators: options.nEstimators,
    treeOptions: { maxDepth: options.maxDepth },
    maxFeatures: 1.0,
    replacement: true,
    useSampleBagging: true,
    noOOB: true,
    seed: options.seed,
  });
  forest.train(toMatrix(train, features), toVector(train, PETROL_TARGET));
  const predicted = forest.predict(toMatrix(test, features));
  const actual = toVector(test, PETROL_TARGET);
  const metrics = {
    r2: r2Score(actual, predicted),
    mae: meanAbsoluteError(actual, predicted),
    trainRows: train.length,
    testRows: test.length,
  };
  await mkdir(dirname(modelPath), { recursive: true });
  await writeFile(
    modelPath,
    JSON.stringify({ features, target: PETROL_TARGET, metrics, library: "ml-random-forest", model: forest.toJSON() }),
  );
  return metrics;
}
