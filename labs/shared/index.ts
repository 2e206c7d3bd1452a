/**
 * What the labs share and the ml.js libraries do not give: seeded dataset generators,
 * a seeded train/test split, scalers that save to JSON, metrics, and the step from CSV
 * rows to a feature matrix. The labs train with ml.js (ml-random-forest,
 * ml-logistic-regression, ml-cart...) as the course's sources train with scikit-learn.
 * @example
 * import { generateAdvertisingData, trainTestSplit, StandardScaler } from "../../shared/index.js";
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
