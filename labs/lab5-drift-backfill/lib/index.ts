/** What lab 5's DAG uses: the drifting loans from labs/shared, and the lab's model. */
export {
  DRIFT_ORIGIN,
  generateDriftingLoans,
  LOAN_LABEL,
  populationStabilityIndex,
  toVector,
  weekIndex,
  type LoanRow,
} from "../../shared/index.js";
export { fit, score, trainingWindow, type TrainedModel } from "./model.js";
