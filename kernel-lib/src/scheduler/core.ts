import type { EventEmitter } from "node:events";
import type { SerializedDag, SerializedTask } from "../dag/serialize.js";
import type { EngineDag, StateChange } from "../engine/runEngine.js";
import type { Executor } from "../executor/executor.js";
import type { AttemptKey } from "../executor/protocol.js";
import type { TaskInstanceRecord } from "../records.js";
import type { SchedulerEvents } from "./events.js";
import type { RunReadiness } from "./readiness.js";
import type { SchedulerStore } from "./schedulerStore.js";
import type { SchedulerSettings } from "./settings.js";

/** A DAG as the scheduler last read it from the store, with the engine's view of it. */
export interface DagEntry {
  dag: SerializedDag;
  engine: EngineDag;
  tasks: ReadonlyMap<string, SerializedTask>;
}

/** An attempt handed to the executor and not finished yet, with what it holds of its pool. */
export interface RunningAttempt {
  key: AttemptKey;
  pool: string;
  poolSlots: number;
}

/**
 * What the scheduler's parts (run creation, backfill, dispatch, recovery) share during one
 * turn. They change state only through the store, and reach the outside world (the
 * executor, listeners) only through `afterCommit`, once the turn's changes are durable.
 */
export interface SchedulerCore {
  readonly store: SchedulerStore;
  readonly executor: Executor;
  readonly settings: SchedulerSettings;
  readonly events: EventEmitter<SchedulerEvents>;
  /** Attempts submitted and not finished, by `attemptKeyString`. */
  readonly running: Map<string, RunningAttempt>;
  /** Real time (the injected wall time), for task starts and ends, retries and timeouts. */
  wallNow(): Date;
  engineFor(dagId: string): DagEntry | undefined;
  /** What the scheduler knows of an active run's readiness between turns, made on first use. */
  readinessOf(dagId: string, runId: string, engine: EngineDag): RunReadiness;
  afterCommit(effect: () => void): void;
}

export function attemptKeyString(key: AttemptKey): string {
  return `${key.dagId}\u0000${key.runId}\u0000${key.taskId}\u0000${key.tryNumber}`;
}

export function toPatch(change: StateChange): Partial<TaskInstanceRecord> & { taskId: string } {
  return { taskId: change.taskId, state: change.state, endDate: change.endDate, nextRetryAt: change.nextRetryAt };
}
