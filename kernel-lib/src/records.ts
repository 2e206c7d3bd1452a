import type { SerializedError } from "./errors.js";
import type { DagRunState, DagRunType, TaskInstanceState } from "./states.js";

/**
 * The serializable records every shell shares: the in-memory runs of `dag.test()`,
 * the store of the scheduler, the JSON API. Dates are ISO-8601 strings in UTC.
 */
export interface DagRunRecord {
  dagId: string;
  runId: string;
  runType: DagRunType;
  state: DagRunState;
  logicalDate: string;
  dataIntervalStart: string;
  dataIntervalEnd: string;
  /** When the run became (or becomes) eligible to start. */
  runAfter: string;
  queuedAt: string;
  startDate?: string;
  endDate?: string;
  conf: Record<string, unknown>;
  externalTrigger: boolean;
  /** A note people left on the run (Airflow's "set note"). */
  note?: string;
}

export interface TaskInstanceRecord {
  dagId: string;
  runId: string;
  taskId: string;
  state: TaskInstanceState;
  /** Attempts started so far; 0 before the first attempt. */
  tryNumber: number;
  /** retries + 1 at the time the run was created. */
  maxTries: number;
  startDate?: string;
  endDate?: string;
  durationMs?: number;
  /** For up_for_retry: the earliest instant of the next attempt. */
  nextRetryAt?: string;
  hostname?: string;
  pid?: number;
  logPath?: string;
  pool?: string;
  error?: SerializedError;
  /** A note people left on the task instance. */
  note?: string;
}

export interface XComRecord {
  dagId: string;
  runId: string;
  taskId: string;
  key: string;
  value: unknown;
}

export interface VariableRecord {
  key: string;
  value: string;
  description?: string;
}

export interface ConnectionRecord {
  connId: string;
  connType: string;
  host?: string;
  schema?: string;
  login?: string;
  password?: string;
  port?: number;
  extra?: Record<string, unknown>;
  description?: string;
}

export interface ImportErrorRecord {
  file: string;
  message: string;
  line?: number;
  timestamp: string;
}

export interface PoolRecord {
  name: string;
  slots: number;
  description?: string;
}

/**
 * The XComs of a run after a task records `values`: the task's XComs under those keys are
 * replaced, the new ones coming last (the newest write is the last entry). The one rule for
 * the store and `dag.test()`.
 */
export function withXComs(
  xcoms: readonly XComRecord[],
  run: { dagId: string; runId: string },
  taskId: string,
  values: ReadonlyArray<{ key: string; value: unknown }>,
): XComRecord[] {
  const keys = new Set(values.map((value) => value.key));
  return [
    ...xcoms.filter((xcom) => !(xcom.taskId === taskId && keys.has(xcom.key))),
    ...values.map(({ key, value }) => ({ dagId: run.dagId, runId: run.runId, taskId, key, value })),
  ];
}

/** The scheduler's sign of life, as /health reads it. */
export interface SchedulerHeartbeat {
  pid: number;
  hostname: string;
  at: string;
  /** Why the scheduler's executor cannot run tasks (its workers cannot start), when it cannot. */
  executorProblem?: string;
}
