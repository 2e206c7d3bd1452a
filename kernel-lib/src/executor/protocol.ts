import type { SerializedError } from "../errors.js";
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

/** Requests a running task makes of the scheduler (TriggerDagRunOperator, EmailOperator). */
export type ServiceMethod = "triggerDagRun" | "sendEmail";

export type ParentToWorker =
  | { type: "run"; job: TaskJob }
  | { type: "cancel"; attemptId: string; reason: string }
  | { type: "service-reply"; requestId: number; ok: true; value: unknown }
  | { type: "service-reply"; requestId: number; ok: false; error: SerializedError }
  | { type: "shutdown" };

export type WorkerToParent =
  | { type: "ready"; pid: number }
  | { type: "started"; attemptId: string; pid: number }
  /** `retire`: task code left this worker in doubt (a late throw); replace it. */
  | { type: "finished"; attemptId: string; result: AttemptResult; retire?: boolean }
  | { type: "service-request"; requestId: number; attemptId: string; method: ServiceMethod; args: unknown };

/** What an executor reports back to the scheduler. */
export type ExecutorEvent =
  | { type: "started"; key: AttemptKey; pid: number; hostname: string }
  | { type: "finished"; key: AttemptKey; result: AttemptResult };

export function isWorkerMessage(value: unknown): value is WorkerToParent {
  if (typeof value !== "object" || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === "ready" || type === "started" || type === "finished" || type === "service-request";
}

export function isParentMessage(value: unknown): value is ParentToWorker {
  if (typeof value !== "object" || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === "run" || type === "cancel" || type === "service-reply" || type === "shutdown";
}
