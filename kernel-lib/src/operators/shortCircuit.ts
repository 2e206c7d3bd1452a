import { BaseOperator, outcome, type BaseOperatorOptions, type ExecuteOutcome } from "../dag/baseOperator.js";
import type { TaskContext } from "../dag/context.js";
import { descendantsOf } from "../engine/runEngine.js";

export interface ShortCircuitOperatorOptions extends BaseOperatorOptions {
  /** When it returns a falsy value, downstream tasks are skipped. */
  condition: (context: TaskContext) => unknown | Promise<unknown>;
  /**
   * Skip every task downstream, whatever its trigger rule (true), or only the direct
   * downstream tasks, leaving trigger rules to decide the rest (false). @default true
   */
  ignoreDownstreamTriggerRules?: boolean;
}

/** Stops the rest of the pipeline when a condition is false (Airflow's ShortCircuitOperator). */
export class ShortCircuitOperator extends BaseOperator {
  readonly operatorName = "ShortCircuitOperator";
  private readonly condition: ShortCircuitOperatorOptions["condition"];
  private readonly ignoreDownstreamTriggerRules: boolean;

  constructor(options: ShortCircuitOperatorOptions) {
    const { condition, ignoreDownstreamTriggerRules, ...rest } = options;
    super(rest);
    this.condition = condition;
    this.ignoreDownstreamTriggerRules = ignoreDownstreamTriggerRules ?? true;
  }

  async execute(context: TaskContext): Promise<ExecuteOutcome> {
    const value = await this.condition(context);
    if (value) {
      context.log.info("Condition is true: downstream tasks proceed");
      return outcome({ returnValue: value });
    }
    const skipped = this.ignoreDownstreamTriggerRules
      ? descendantsOf(this.dag.toEngineDag(), this.taskId)
      : [...this.downstreamIds];
    context.log.info(`Condition is false: skipping ${skipped.join(", ") || "nothing"}`);
    return outcome({ returnValue: value ?? null, skipTaskIds: skipped });
  }
}
