/**
 * Small, seeded machine-learning helpers for the labs: datasets generated offline,
 * splitting and scaling, models that save to JSON, metrics.
 * @example
 * import { generateAdvertisingData, trainTestSplit, StandardScaler, LogisticRegression } from "kitelab";
 */
export { createRandom, deriveSeed, type SeededRandom } from "./random.js";
export type { Matrix } from "./checks.js";
export { toMatrix, toVector, fromMatrix, type Row } from "./table.js";
export { trainTestSplit, type TrainTestSplitOptions } from "./split.js";
export {
  MinMaxScaler,
  StandardScaler,
  scalerFromJSON,
  type Scaler,
  type MinMaxScalerJson,
  type StandardScalerJson,
} from "./scalers.js";
export { LinearRegression, type LinearRegressionJson } from "./linear.js";
export {
  LogisticRegression,
  sigmoid,
  type LogisticRegressionOptions,
  type LogisticRegressionJson,
} from "./logistic.js";
export { SoftmaxRegression, type SoftmaxRegressionOptions, type SoftmaxRegressionJson } from "./softmax.js";
export {
  DecisionTreeRegressor,
  DecisionTreeClassifier,
  type DecisionTreeOptions,
  type TreeNode,
  type DecisionTreeRegressorJson,
  type DecisionTreeClassifierJson,
} from "./tree.js";
export { RandomForestRegressor, type RandomForestOptions, type RandomForestRegressorJson } from "./forest.js";
export {
  accuracy,
  precision,
  recall,
  binaryConfusionMatrix,
  binaryClassificationReport,
  confusionMatrix,
  meanAbsoluteError,
  rootMeanSquaredError,
  r2Score,
  populationStabilityIndex,
  type BinaryConfusionMatrix,
  type BinaryClassificationReport,
} from "./metrics.js";
export {
  generateIceCreamSales,
  generateAdvertisingData,
  generatePetrolConsumption,
  generatePenguins,
  generateDriftingLoans,
  weekIndex,
  DRIFT_ORIGIN,
  ADVERTISING_FEATURES,
  ADVERTISING_LABEL,
  PETROL_FEATURES,
  PETROL_TARGET,
  PENGUIN_MEASUREMENTS,
  LOAN_FEATURES,
  LOAN_LABEL,
  type IceCreamRow,
  type AdvertisingRow,
  type PetrolRow,
  type PenguinRow,
  type LoanRow,
  type DriftingDataOptions,
} from "./datasets.js";
