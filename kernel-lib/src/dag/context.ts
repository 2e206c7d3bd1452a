import type { ConnectionRecord } from "../records.js";
import type { DagRunType } from "../states.js";

/** Where a task's log lines go. Lines also reach the task's log file in the scheduler. */
export interface TaskLogger {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
}

/** The task instance as a task sees it: its attempt, and XCom in and out. */
export interface TaskInstanceHandle {
  readonly dagId: string;
  readonly taskId: string;
  readonly runId: string;
  readonly tryNumber: number;
  readonly maxTries: number;
  /**
   * Reads an XCom of this run. With only a task id it is that task's return value.
   * @example const rows = ti.xcomPull<number[]>("extract");
   */
  xcomPull<T = unknown>(taskId: string, key?: string): T | undefined;
  /** Stores a value under `key` for downstream tasks. It must be JSON-serializable. */
  xcomPush(key: string, value: unknown): void;
}

export interface DagRunHandle {
  readonly dagId: string;
  readonly runId: string;
  readonly runType: DagRunType;
  readonly logicalDate: Date;
  readonly dataIntervalStart: Date;
  readonly dataIntervalEnd: Date;
  readonly conf: Readonly<Record<string, unknown>>;
}

/** What a triggered run looked like when the trigger returned. */
export interface TriggeredRun {
  dagId: string;
  runId: string;
  state: string;
}

/** Requests a task can make of whatever is running it (the scheduler, or dag.test()). */
export interface TaskServices {
  triggerDagRun(request: {
    dagId: string;
    conf: Record<string, unknown>;
    logicalDate?: Date;
    runId?: string;
    waitForCompletion: boolean;
    pokeIntervalMs: number;
  }): Promise<TriggeredRun>;
  sendEmail(message: OutgoingEmail): Promise<{ delivered: boolean; detail: string }>;
}

export interface OutgoingEmail {
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  html: string;
  attachments: { filename: string; path: string }[];
}

/**
 * What a task receives when it runs: Airflow's context names (`ds`, `logical_date`,
 * `params`, `ti`, ...) so code copied from Airflow reads the same, plus a logger.
 * @example dag.task("report", async ({ ds, params, log }) => log.info(`report for ${ds}`))
 */
export interface TaskContext {
  readonly dag_id: string;
  readonly task_id: string;
  readonly run_id: string;
  readonly ds: string;
  readonly ds_nodash: string;
  readonly ts: string;
  readonly logical_date: Date;
  readonly data_interval_start: Date;
  readonly data_interval_end: Date;
  readonly try_number: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly conf: Readonly<Record<string, unknown>>;
  readonly dagRun: DagRunHandle;
  readonly ti: TaskInstanceHandle;
  readonly log: TaskLogger;
  /** Aborted when the task is stopped (execution timeout, shutdown). */
  readonly signal: AbortSignal;
  readonly variables: {
    get(key: string): string | undefined;
    getJson<T = unknown>(key: string): T | undefined;
  };
  readonly connections: { get(connId: string): ConnectionRecord | undefined };
  /** Renders a handlebars template with this task's template context (`{{ ds }}`). */
  render(template: string): string;
  /** The full template context, with Airflow's names. */
  readonly templateContext: Readonly<Record<string, unknown>>;
  readonly services: TaskServices;
}
