import { BaseOperator } from "../dag/baseOperator.js";

/** A task that does nothing: a join point or a placeholder (Airflow's EmptyOperator). */
export class EmptyOperator extends BaseOperator {
  readonly operatorName = "EmptyOperator";

  async execute(): Promise<void> {}
}
