import { TaskError } from "../errors.js";
import {
  BaseOperator,
  outcome,
  type BaseOperatorOptions,
  type ExecuteOutcome,
  type TaskIdSelection,
} from "../dag/baseOperator.js";
import type { TaskContext } from "../dag/context.js";

export interface BranchOperatorOptions extends BaseOperatorOptions {
  /** Returns the id(s) of the directly downstream task(s) to follow; the others are skipped. */
  chooseBranch: (context: TaskContext) => TaskIdSelection | Promise<TaskIdSelection>;
}

/** Follows the branch(es) a function picks and skips the other direct downstream tasks. */
export class BranchOperator extends BaseOperator {
  readonly operatorName = "BranchOperator";
  private readonly chooseBranch: BranchOperatorOptions["chooseBranch"];

  constructor(options: BranchOperatorOptions) {
    const { chooseBranch, ...rest } = options;
    super(rest);
    this.chooseBranch = chooseBranch;
  }

  async execute(context: TaskContext): Promise<ExecuteOutcome> {
    const picked = await this.chooseBranch(context);
    const chosen = picked === null || picked === undefined ? [] : typeof picked === "string" ? [picked] : [...picked];
    const downstream = [...this.downstreamIds];
    const unknown = chosen.filter((taskId) => !downstream.includes(taskId));
    if (unknown.length > 0) {
      throw new TaskError(
        `branch '${this.taskId}' chose ${unknown.map((id) => `'${id}'`).join(", ")}, ` +
          `which ${unknown.length === 1 ? "is not a" : "are not"} direct downstream task${unknown.length === 1 ? "" : "s"}; ` +
          `choose among ${downstream.map((id) => `'${id}'`).join(", ") || "(none: add downstream tasks with .then())"}`,
      );
    }
    context.log.info(`Following branch ${chosen.length > 0 ? chosen.join(", ") : "(none)"}`);
    return outcome({ returnValue: chosen, skipTaskIds: downstream.filter((taskId) => !chosen.includes(taskId)) });
  }
}
