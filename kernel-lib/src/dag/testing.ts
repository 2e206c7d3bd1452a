import { inspect } from "node:util";
import type { SerializedError } from "../errors.js";
import type { ConnectionRecord, XComRecord } from "../records.js";
import type { DagRunState, TaskInstanceState } from "../states.js";
import { type Duration, formatDuration } from "../util/duration.js";
import { formatTable } from "../util/table.js";
import type { TaskServices } from "./context.js";

/** Options of `dag.test()` and `kitelab dags test`. */
export interface DagTestOptions {
  /** @default now */
  logicalDate?: Date | string;
  /** Overrides the DAG's params for this run (Airflow's run conf). */
  params?: Record<string, unknown>;
  conf?: Record<string, unknown>;
  variables?: Record<string, string>;
  connections?: Record<string, ConnectionRecord>;
  /** Cap every retry wait, so a test of retries need not wait minutes. */
  maxRetryDelay?: Duration;
  /** Print nothing while running. @default false */
  quiet?: boolean;
  /** Where the live view goes. @default console.log */
  write?: (line: string) => void;
  /** @default 48 KiB */
  xcomMaxBytes?: number;
  /** Replace how triggers and mail are handled (the notebook client passes its own). */
  services?: Partial<TaskServices>;
  /** @internal indentation for nested runs (TriggerDagRunOperator). */
  indent?: string;
}

export type TaskTestOptions = Omit<DagTestOptions, "params"> & { params?: Record<string, unknown> };

export interface TaskTestSummary {
  taskId: string;
  state: TaskInstanceState;
  tryNumber: number;
  durationMs?: number;
  logs: string[];
  error?: SerializedError;
}

/** The result of one in-process run: shown as a compact table in a notebook or terminal. */
export class DagTestResult {
  constructor(
    readonly dagId: string,
    readonly runId: string,
    readonly logicalDate: string,
    readonly state: Extract<DagRunState, "success" | "failed">,
    readonly durationMs: number,
    readonly tasks: TaskTestSummary[],
    readonly xcoms: XComRecord[],
  ) {}

  get succeeded(): boolean {
    return this.state === "success";
  }

  task(taskId: string): TaskTestSummary | undefined {
    return this.tasks.find((task) => task.taskId === taskId);
  }

  /** A task's return value (or another XCom key). */
  xcom<T = unknown>(taskId: string, key = "return_value"): T | undefined {
    return this.xcoms.find((xcom) => xcom.taskId === taskId && xcom.key === key)?.value as T | undefined;
  }

  toString(): string {
    const table = formatTable(this.tasks, [
      { header: "task", value: (task) => task.taskId },
      { header: "state", value: (task) => task.state },
      { header: "try", value: (task) => task.tryNumber },
      { header: "duration", value: (task) => (task.durationMs === undefined ? "" : formatDuration(task.durationMs)) },
    ]);
    return `${this.dagId} ${this.runId}: ${this.state} in ${formatDuration(this.durationMs)}\n${table}`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
