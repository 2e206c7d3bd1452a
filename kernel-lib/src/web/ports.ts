import type { SerializedDag } from "../dag/serialize.js";
import type { ImportProblem } from "../dagbag/importFile.js";
import type { DamagedStoreFile } from "../persistence/quarantine.js";
import type { MarkableRunState, MarkableTaskState } from "../engine/markState.js";
import type {
  ConnectionRecord,
  DagRunRecord,
  PoolRecord,
  SchedulerHeartbeat,
  TaskInstanceRecord,
  VariableRecord,
  XComRecord,
} from "../records.js";
import type { DagRunState } from "../states.js";
import type { ClockInfo } from "../clock/clock.js";
import type { Explanation } from "../explain/explain.js";

/**
 * What the web server reads and asks for. The scheduler process implements these over its
 * store and scheduler; tests pass in-memory ones. The web layer never writes the store.
 */

export interface DagSummary {
  dag: SerializedDag;
  isPaused: boolean;
  isActive: boolean;
  /** When the next scheduled run becomes due, if any. */
  nextRunAfter?: string;
  nextLogicalDate?: string;
}

export interface RunQuery {
  dagId?: string;
  states?: DagRunState[];
  /** `-execution_date` (newest first, the default), `execution_date`, `-start_date`, `start_date`, `-end_date`, `end_date`. */
  orderBy?: string;
  limit: number;
  offset: number;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface ReadModel {
  dags(): DagSummary[];
  dag(dagId: string): DagSummary | undefined;
  runs(query: RunQuery): Page<DagRunRecord>;
  run(dagId: string, runId: string): DagRunRecord | undefined;
  /** The most recently finished run (success or failed), of one DAG or of all. */
  latestFinishedRun(dagId?: string): DagRunRecord | undefined;
  taskInstances(dagId: string, runId: string): TaskInstanceRecord[];
  xcoms(dagId: string, runId: string): XComRecord[];
  importErrors(): Array<ImportProblem & { file: string; timestamp: string }>;
  /** The scheduler's latest heartbeat, if it ever beat. */
  latestHeartbeat(): SchedulerHeartbeat | undefined;
  /** Store files that could not be read and were set aside (none for stores without files). */
  damagedFiles?(): DamagedStoreFile[];
}

/** State changes the web server asks of the running scheduler. */
export interface SchedulerControl {
  trigger(
    dagId: string,
    request: { conf?: Record<string, unknown>; logicalDate?: Date; runId?: string },
  ): Promise<DagRunRecord>;
  setPaused(dagId: string, paused: boolean): Promise<void>;
  clear(dagId: string, runId: string, taskIds?: string[]): Promise<number>;
  /** Airflow's "mark run as"; resolves with the run as it then is. */
  setRunState(dagId: string, runId: string, state: MarkableRunState): Promise<DagRunRecord>;
  /** Airflow's "mark task instance as"; resolves with the instances that changed. */
  setTaskInstanceState(
    dagId: string,
    runId: string,
    taskIds: readonly string[],
    state: MarkableTaskState,
  ): Promise<TaskInstanceRecord[]>;
  /** A note on a run (`taskId` undefined) or on one of its task instances. */
  setNote(dagId: string, runId: string, taskId: string | undefined, note: string): Promise<void>;
  /** Kitelab's addition: backfill runs for every interval with a logical date in [start, end]. */
  backfill?(dagId: string, start: Date, end: Date, conf?: Record<string, unknown>): Promise<DagRunRecord[]>;
}

/**
 * Variables, Connections and pools, as the API reads and changes them. They live apart from
 * the scheduler's state (shared.json), so the CLI and the API change them while it runs.
 * Values and passwords come in plain text: the API decides what it shows.
 */
export interface SharedSettings {
  variables(): VariableRecord[];
  setVariable(variable: VariableRecord): Promise<void>;
  /** False when there was no such Variable. */
  deleteVariable(key: string): Promise<boolean>;
  connections(): ConnectionRecord[];
  setConnection(connection: ConnectionRecord): Promise<void>;
  deleteConnection(connId: string): Promise<boolean>;
  /** Every pool, `default_pool` first. */
  pools(): PoolRecord[];
  setPool(pool: PoolRecord): Promise<void>;
  deletePool(name: string): Promise<boolean>;
}

/** "Why isn't it running?": the scheduler's explanation of a DAG, and of one run's tasks when asked. */
export interface Explainer {
  /** Undefined when nothing is known of the DAG (no DAG, no import error naming it). */
  explain(dagId: string, options?: { runId?: string; now?: Date }): Explanation | undefined;
}

/** The scheduler's clock, as the pages show it and `POST /api/v1/clock` moves it. */
export interface ClockControl {
  info(): ClockInfo;
  /** Moves a manual clock forward by `ms` (the API refuses before calling it for any other clock). */
  advance(ms: number): ClockInfo;
}

/** One `kitelab worker` as the worker view shows it (Kitelab's addition, the Flower of the course). */
export interface WorkerSummary {
  id: string;
  hostname: string;
  pid: number;
  queues: string[];
  concurrency: number;
  /** Offline once it stopped or missed its heartbeats for `[bullmq] worker_offline_after`. */
  state: "online" | "stopping" | "offline";
  startedAt: string;
  lastHeartbeat: string;
  running: Array<{ dagId: string; runId: string; taskId: string; tryNumber: number; startedAt: string }>;
  done: number;
  failed: number;
}

/** Task messages in one queue, by BullMQ's job states. */
export interface QueueSummary {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
}

/** Where the worker view reads from (Redis, with the BullMQ executor). */
export interface WorkersView {
  snapshot(): Promise<{ workers: WorkerSummary[]; queues: QueueSummary[] }>;
}
