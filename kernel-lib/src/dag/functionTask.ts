import type { TaskContext } from "./context.js";
import { BaseOperator, type BaseOperatorOptions } from "./baseOperator.js";

export interface FunctionTaskOptions<T> extends BaseOperatorOptions {
  fn: (context: TaskContext) => T | Promise<T>;
}

/** A task that runs a TypeScript function (Airflow's `@task` / PythonOperator). */
export class FunctionTask<T = unknown> extends BaseOperator {
  readonly operatorName = "FunctionTask";
  private readonly fn: (context: TaskContext) => T | Promise<T>;

  constructor(options: FunctionTaskOptions<T>) {
    const { fn, ...rest } = options;
    super(rest);
    this.fn = fn;
  }

  async execute(context: TaskContext): Promise<T> {
    return this.fn(context);
  }
}
