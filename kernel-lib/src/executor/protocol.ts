import type { OutgoingEmail, TriggeredRun } from "../dag/context.js";
import { InternalError, type SerializedError } from "../errors.js";
import type { AttemptRequest, AttemptResult } from "../runtime/attempt.js";

/**
 * The messages between the scheduler and the processes that run tasks: one closed set,
 * plain JSON, so the same jobs can travel over a queue to another machine later.
 */

/** Identifies one attempt of one task instance. */
export interface AttemptKey {
  dagId: string;
  runId: string;
  taskId: string;
  tryNumber: number;
}

export function attemptId(key: AttemptKey): string {
  return `${key.dagId}/${key.runId}/${key.taskId}/${key.tryNumber}`;
}

/** A task attempt to run: where its code is, what it needs, where its log goes. */
export interface TaskJob {
  key: AttemptKey;
  dagFile: string;
  request: AttemptRequest;
  logPath: string;
  /** The task's `queue` option: which workers of a distributed executor may run it. */
  queue?: string;
}

/** TriggerDagRunOperator's request as it crosses from the worker (dates are ISO strings there). */
export interface TriggerDagRunServiceRequest {
  dagId: string;
  conf: Record<string, unknown>;
  logicalDate?: string;
  waitForCompletion: boolean;
  pokeIntervalMs: number;
}

/**
 * Requests a running task makes of the scheduler (TriggerDagRunOperator, EmailOperator):
 * what each method takes and what it answers.
 */
export interface ServiceCalls {
  triggerDagRun: { args: TriggerDagRunServiceRequest; result: TriggeredRun };
  sendEmail: { args: OutgoingEmail; result: { delivered: boolean; detail: string } };
}

export type ServiceMethod = keyof ServiceCalls;

/** One service request: the method and its own arguments (a discriminated union on `method`). */
export type ServiceRequest = { [M in ServiceMethod]: { method: M; args: ServiceCalls[M]["args"] } }[ServiceMethod];

/** What any service method may answer. */
export type ServiceValue = ServiceCalls[ServiceMethod]["result"];

export type ParentToWorker =
  | { type: "run"; job: TaskJob }
  | { type: "cancel"; attemptId: string; reason: string }
  | { type: "service-reply"; requestId: number; ok: true; value: ServiceValue }
  | { type: "service-reply"; requestId: number; ok: false; error: SerializedError }
  | { type: "shutdown" };

export type WorkerToParent =
  | { type: "ready"; pid: number }
  /** The worker cannot run tasks at all (its runtime did not load); it exits after sending this. */
  | { type: "init-failed"; pid: number; reason: string }
  | { type: "started"; attemptId: string; pid: number }
  /** `retire`: task code left this worker in doubt (a late throw); replace it. */
  | { type: "finished"; attemptId: string; result: AttemptResult; retire?: boolean }
  | { type: "service-request"; requestId: number; attemptId: string; request: ServiceRequest };

/** What an executor reports back to the scheduler. */
export type ExecutorEvent =
  | { type: "started"; key: AttemptKey; pid: number; hostname: string }
  | { type: "finished"; key: AttemptKey; result: AttemptResult };

/** Every message type, listed once per direction: adding one to a union fails to compile until it is here. */
const WORKER_MESSAGE_TYPES: Record<WorkerToParent["type"], true> = {
  ready: true,
  "init-failed": true,
  started: true,
  finished: true,
  "service-request": true,
};
const PARENT_MESSAGE_TYPES: Record<ParentToWorker["type"], true> = {
  run: true,
  cancel: true,
  "service-reply": true,
  shutdown: true,
};

function typeOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const type = (value as { type?: unknown }).type;
  return typeof type === "string" ? type : undefined;
}

export function isWorkerMessage(value: unknown): value is WorkerToParent {
  const type = typeOf(value);
  return type !== undefined && Object.hasOwn(WORKER_MESSAGE_TYPES, type);
}

export function isParentMessage(value: unknown): value is ParentToWorker {
  const type = typeOf(value);
  return type !== undefined && Object.hasOwn(PARENT_MESSAGE_TYPES, type);
}

/** For the `default` of a switch over a closed union: compiling fails when a case is missing. */
export function unreachable(value: never, what: string): never {
  throw new InternalError(`unexpected ${what}: ${JSON.stringify(value)}`);
}
