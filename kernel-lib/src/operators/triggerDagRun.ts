import { TaskError } from "../errors.js";
import { BaseOperator, type BaseOperatorOptions } from "../dag/baseOperator.js";
import type { TaskContext, TriggeredRun } from "../dag/context.js";
import { toMilliseconds, type Duration } from "../util/duration.js";

export interface TriggerDagRunOperatorOptions extends BaseOperatorOptions {
  /** The DAG to trigger (a template). */
  triggerDagId: string;
  /** The triggered run's conf; string values are templates. */
  conf?: Record<string, unknown>;
  /** The triggered run's logical date. @default now */
  logicalDate?: Date | string;
  /** Wait until the triggered run finishes; fail if it fails. @default false */
  waitForCompletion?: boolean;
  /** How often to check while waiting. @default "5s" */
  pokeInterval?: Duration;
}

/** Starts a run of another DAG, optionally waiting for it (lab 4's master DAG). */
export class TriggerDagRunOperator extends BaseOperator {
  readonly operatorName = "TriggerDagRunOperator";
  override readonly templateFields = ["triggerDagId", "conf"] as const;
  readonly triggerDagId: string;
  readonly conf: Record<string, unknown>;
  private readonly logicalDate?: Date | string;
  private readonly waitForCompletion: boolean;
  private readonly pokeIntervalMs: number;

  constructor(options: TriggerDagRunOperatorOptions) {
    const { triggerDagId, conf, logicalDate, waitForCompletion, pokeInterval, ...rest } = options;
    super(rest);
    if (typeof triggerDagId !== "string" || triggerDagId === "") {
      throw new TaskError(`TriggerDagRunOperator '${rest.taskId}' needs a \`triggerDagId\``);
    }
    this.triggerDagId = triggerDagId;
    this.conf = { ...(conf ?? {}) };
    this.logicalDate = logicalDate;
    this.waitForCompletion = waitForCompletion ?? false;
    this.pokeIntervalMs = toMilliseconds(pokeInterval ?? "5s", "pokeInterval");
  }

  async execute(context: TaskContext): Promise<TriggeredRun> {
    context.log.info(`Triggering DAG '${this.triggerDagId}'${this.waitForCompletion ? " and waiting for it" : ""}`);
    const run = await context.services.triggerDagRun({
      dagId: this.triggerDagId,
      conf: this.conf,
      logicalDate: this.logicalDate === undefined ? undefined : new Date(this.logicalDate),
      waitForCompletion: this.waitForCompletion,
      pokeIntervalMs: this.pokeIntervalMs,
    });
    context.log.info(`Run ${run.runId} of '${run.dagId}' is ${run.state}`);
    if (this.waitForCompletion && run.state !== "success") {
      throw new TaskError(`The triggered run ${run.runId} of DAG '${run.dagId}' ended ${run.state}`);
    }
    return run;
  }
}
