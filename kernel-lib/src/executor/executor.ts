import type { AttemptKey, ExecutorEvent, ServiceRequest, ServiceValue, TaskJob } from "./protocol.js";

/** Answers a running task's requests (trigger another DAG, send mail). */
export type ServiceHandler = (request: ServiceRequest, key: AttemptKey) => Promise<ServiceValue>;

/**
 * Runs task attempts somewhere other than the scheduler's process. Jobs and events are
 * plain data, so an executor may run them in local child processes or send them over a
 * queue to other machines.
 */
export interface Executor {
  readonly name: string;
  start(): Promise<void>;
  /** How many more jobs can start right now. */
  readonly freeSlots: number;
  /** Starts a job; throws ExecutorFullError when no slot is free. */
  submit(job: TaskJob): void;
  /** Asks a running attempt to stop (timeout); it is killed if it does not within the grace period. */
  cancel(key: AttemptKey, reason: string): void;
  onEvent(listener: (event: ExecutorEvent) => void): void;
  /** Why this executor cannot run tasks now (its workers cannot start), or undefined when it can. */
  readonly problem?: string;
  /** Stops every worker: running attempts get `graceMs`, then are killed and reported failed. */
  stop(graceMs: number): Promise<void>;
}

export { ExecutorFullError } from "../errors.js";
