import type { EventEmitter } from "node:events";
import type { SerializedDag } from "../dag/serialize.js";
import type { ImportProblem } from "../dagbag/importFile.js";
import type { DamagedStoreFile } from "../persistence/quarantine.js";
import type { ConnectionRecord, DagRunRecord, SchedulerHeartbeat, TaskInstanceRecord, XComRecord } from "../records.js";

/** A run's task instances by task id, read-only and live (see {@link SchedulerStore.taskInstanceView}). */
export type TaskInstanceView = Readonly<Record<string, Readonly<TaskInstanceRecord>>>;

/**
 * What changed, for subscribers (mail, web, extension) that would rather not poll. Defined
 * with the port its stores implement, so persistence/ needs nothing of the scheduler but types.
 */
export type StoreChange =
  | { kind: "run"; dagId: string; runId: string }
  | { kind: "task-instances"; dagId: string; runId: string; taskIds: readonly string[] }
  | { kind: "dags" }
  | { kind: "shared" };

/** What the scheduler keeps about each DAG besides its definition. */
export interface DagStatus {
  dagId: string;
  isPaused: boolean;
  isActive: boolean;
  /** The data interval of the latest automated (scheduled or backfill) run. */
  lastAutomatedInterval?: { start: string; end: string };
}

/**
 * The store as the scheduler uses it. A change is visible to reads as soon as its method
 * returns (a caller's mistake, such as an unknown run, throws at once); its promise
 * resolves once the change is durable. Changes made together are written together, so the
 * scheduler makes a turn's changes, awaits `commit()` once, and only then acts on them.
 * One core implements it, over files (FileStore) or over nothing (MemorySchedulerStore).
 */
export interface SchedulerStore {
  /** Tells of each change as it is made (before it is durable): the scheduler's readiness follows task-instance changes. */
  readonly events: EventEmitter<{ change: [StoreChange] }>;
  /** Resolves once every change made so far is durable. */
  commit(): Promise<void>;
  /** Re-reads what other processes may change (Variables, Connections, pools), without blocking. */
  refreshShared?(): Promise<void>;
  saveDags(dags: readonly SerializedDag[], pausedAtCreation: (dag: SerializedDag) => boolean): Promise<void>;
  deactivateDagsExcept(activeIds: ReadonlySet<string>): Promise<void>;
  getDag(dagId: string): SerializedDag | undefined;
  dagStatuses(): DagStatus[];
  setPaused(dagId: string, paused: boolean): Promise<void>;
  setImportErrors(errors: ReadonlyMap<string, ImportProblem>): Promise<void>;

  createRun(run: DagRunRecord, taskInstances: readonly TaskInstanceRecord[]): Promise<void>;
  updateRun(dagId: string, runId: string, patch: Partial<DagRunRecord>): Promise<void>;
  getRun(dagId: string, runId: string): DagRunRecord | undefined;
  /** Runs in state queued or running, oldest logical date first. */
  activeRuns(): DagRunRecord[];
  taskInstances(dagId: string, runId: string): TaskInstanceRecord[];
  /** One task instance (a copy), without copying the rest of its run. */
  taskInstance(dagId: string, runId: string, taskId: string): TaskInstanceRecord | undefined;
  /**
   * The run's task instances by task id as the store holds them, not copied: the scheduler's
   * per-event reads, which copying a 10,000-task run at every event made quadratic. Read it
   * within the turn; the next change shows through it.
   */
  taskInstanceView(dagId: string, runId: string): TaskInstanceView;
  /** Applies several task instance changes of one run in one durable write. */
  updateTaskInstances(
    dagId: string,
    runId: string,
    patches: ReadonlyArray<Partial<TaskInstanceRecord> & { taskId: string }>,
  ): Promise<void>;
  addTaskInstances(dagId: string, runId: string, taskInstances: readonly TaskInstanceRecord[]): Promise<void>;
  xcoms(dagId: string, runId: string): XComRecord[];
  setXComs(
    dagId: string,
    runId: string,
    taskId: string,
    values: ReadonlyArray<{ key: string; value: unknown }>,
  ): Promise<void>;
  clearXComs(dagId: string, runId: string, taskId: string): Promise<void>;

  variables(): Record<string, string>;
  /** Connections with their passwords decrypted, for tasks only. */
  connections(): Record<string, ConnectionRecord>;
  poolSizes(): Map<string, number>;
  heartbeat(info: SchedulerHeartbeat): Promise<void>;

  /** Every run of one DAG, or of all DAGs, in no particular order (readers sort and page). */
  allRuns(dagId?: string): DagRunRecord[];
  importErrorList(): Array<ImportProblem & { file: string; timestamp: string }>;
  latestHeartbeat(): SchedulerHeartbeat | undefined;
  /** Store files that could not be read: set aside so the rest keeps working (file stores only). */
  damagedFiles?(): DamagedStoreFile[];
}
