import { fileURLToPath } from "node:url";
import { inspect } from "node:util";

/**
 * The closed set of error kinds Kitelab raises. Each kind decides what happens next:
 * a definition error stops a DAG file from loading, a task error fails one attempt
 * (and may be retried), an unrecoverable error fails the task without retries.
 * Errors that cross a process boundary are recognised by `name`, never `instanceof`.
 */
export class KitelabError extends Error {
  override name = "KitelabError";

  /**
   * How `console.log`, the REPL and the notebook kernel print the error: its message and
   * the line of the student's own file that raised it, without Kitelab's and Node's
   * internal frames (the full stack stays in `error.stack`).
   */
  [inspect.custom](): string {
    const where = userFrameOf(this.stack);
    return `${this.name}: ${this.message}${where ? `\n    at ${where}` : ""}`;
  }
}

/** Where Kitelab's own modules live (src/ or dist/): their frames are noise to a student. */
const LIBRARY_ROOT = fileURLToPath(new URL("./", import.meta.url));

/**
 * True for a stack frame that is not the user's code: Kitelab's own modules (wherever they
 * are installed), dependencies, Node's internals and the CLI's entry point. The one rule
 * for the stacks a task's log shows and for the frame an error points at.
 */
export function isLibraryFrame(frame: string): boolean {
  return (
    frame.includes(LIBRARY_ROOT) ||
    /node_modules|kernel-lib[\\/](src|dist)[\\/]|\(node:|^node:|node:internal|kitelab\.mjs/.test(frame)
  );
}

/**
 * The first stack frame in a file of the user's (a DAG file), if any. Code typed into a
 * notebook cell or an eval has no file to point at, so it is passed over too.
 */
function userFrameOf(stack: string | undefined): string | undefined {
  for (const line of (stack ?? "").split("\n")) {
    const frame = /^\s+at (.+)$/.exec(line)?.[1];
    if (frame !== undefined && !isLibraryFrame(frame) && !/evalmachine|<anonymous>/.test(frame)) return frame;
  }
  return undefined;
}

/** Where a DAG definition went wrong, so the message can point a student at it. */
export interface DefinitionLocation {
  dagId?: string;
  taskId?: string;
  file?: string;
}

/** Raised while a DAG is being built: a cycle, a duplicate id, a bad schedule. */
export class DagDefinitionError extends KitelabError {
  override name = "DagDefinitionError";
  readonly location: DefinitionLocation;
  constructor(message: string, location: DefinitionLocation = {}) {
    super(withLocation(message, location));
    this.location = location;
  }
}

/** Wraps an error thrown by user task code; the original is kept as `cause`. */
export class TaskError extends KitelabError {
  override name = "TaskError";
}

/** A task failure that must not be retried (bad input that a retry cannot fix). */
export class UnrecoverableError extends KitelabError {
  override name = "UnrecoverableError";
}

/** Raised by a task to mark itself skipped instead of failed (Airflow's AirflowSkipException). */
export class SkipTask extends KitelabError {
  override name = "SkipTask";
}

/** A template referenced a name the context does not have, or failed to compile. */
export class TemplateError extends KitelabError {
  override name = "TemplateError";
}

/** Invalid input at a boundary: an option, a CLI argument, a config value. */
export class ValidationError extends KitelabError {
  override name = "ValidationError";
}

/** Something asked for by name does not exist: a DAG, a run, a task instance. */
export class NotFoundError extends KitelabError {
  override name = "NotFoundError";
}

/** A request that clashes with the current state: a run id that is taken, a run still running. */
export class ConflictError extends KitelabError {
  override name = "ConflictError";
}

/** Something awaited did not happen in the time given. */
export class TimeoutError extends KitelabError {
  override name = "TimeoutError";
}

/** A store file Kitelab cannot trust as it is (damaged, from a newer Kitelab, missing); the message says what to do. */
export class StoreError extends KitelabError {
  override name = "StoreError";
}

/** Kitelab broke one of its own rules: a bug to report, never the user's input. */
export class InternalError extends KitelabError {
  override name = "InternalError";
}

/** The executor has no free slot for another attempt (the scheduler admits only what fits). */
export class ExecutorFullError extends KitelabError {
  override name = "ExecutorFullError";
}

/*
 * Why an attempt failed, when it was not the task's own error. They are recorded on the task
 * instance and cross process boundaries as plain data, so they are recognised by `name`.
 */

/** The attempt ran past its `executionTimeout` and was stopped. */
export class TaskTimeoutError extends KitelabError {
  override name = "TaskTimeoutError";
}

/** The worker process running the attempt died (a crash, `process.exit`, out of memory). */
export class WorkerDiedError extends KitelabError {
  override name = "WorkerDiedError";
}

/** The attempt's worker is gone without a word: the scheduler restarted, or a remote worker went silent. */
export class WorkerLostError extends KitelabError {
  override name = "WorkerLostError";
}

/** The attempt could not be put on its queue (the distributed executor's Redis refused it). */
export class QueueError extends KitelabError {
  override name = "QueueError";
}

/** A return value or pushed XCom is larger than `[core] xcom_max_size_bytes`. */
export class XComTooLargeError extends KitelabError {
  override name = "XComTooLargeError";
}

/** A running scheduler's API refused a request; `status` is the HTTP status (0: it could not be reached). */
export class ApiError extends KitelabError {
  override name = "ApiError";
  constructor(
    message: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function withLocation(message: string, location: DefinitionLocation): string {
  const parts: string[] = [];
  if (location.dagId) parts.push(`DAG '${location.dagId}'`);
  if (location.taskId) parts.push(`task '${location.taskId}'`);
  if (location.file) parts.push(`in ${location.file}`);
  return parts.length > 0 ? `${parts.join(", ")}: ${message}` : message;
}

/** A plain, serializable picture of an error, for logs, the store and process messages. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    // Task code may put anything in these fields (a BigInt message); they must stay strings.
    return {
      name: String(error.name),
      message: String(error.message),
      stack: typeof error.stack === "string" ? error.stack : undefined,
    };
  }
  return { name: "Error", message: String(error) };
}

/** The kinds of failure a retry cannot fix: the task fails at once, whatever its `retries`. */
const UNRECOVERABLE_KINDS: ReadonlySet<string> = new Set(["UnrecoverableError", "TemplateError", "XComTooLargeError"]);

/** True when a failure (possibly from another process, so by `name`) must not be retried. */
export function isUnrecoverable(error: SerializedError): boolean {
  return UNRECOVERABLE_KINDS.has(error.name);
}

/** True when task code asked to be skipped (SkipTask, Airflow's AirflowSkipException). */
export function isSkip(error: SerializedError): boolean {
  return error.name === "SkipTask";
}

/**
 * What a refusal means for whoever asked: bad input to change, something that does not
 * exist, or a clash with the current state. Undefined for anything else (a failure, a bug),
 * whose message is not the caller's to read.
 */
export type RefusalKind = "invalid" | "not-found" | "conflict";

const REFUSAL_KINDS: Readonly<Record<string, RefusalKind>> = {
  ValidationError: "invalid",
  NotFoundError: "not-found",
  ConflictError: "conflict",
  StoreLockedError: "conflict",
};

/** The refusal kind of an error, recognised by `name` (errors crossing modules and processes are). */
export function refusalKindOf(error: unknown): RefusalKind | undefined {
  return error instanceof Error ? REFUSAL_KINDS[error.name] : undefined;
}

/** The plain record of an error of one of Kitelab's kinds, as a task instance stores it (no stack). */
export function errorRecord(kind: new (message: string) => KitelabError, message: string): SerializedError {
  return { name: new kind(message).name, message };
}

/** Describes a value for an error message: `-1 (number)`, `"abc" (string)`. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "string") return `${JSON.stringify(value)} (string)`;
  if (value instanceof Date) return `${Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString()} (Date)`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "object") return "an object";
  return `${String(value)} (${typeof value})`;
}

/** Errors as values where a caller is expected to handle them. */
export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}
