/**
 * What a worker process runs once it loaded (workerMain.ts is its entry): a long-lived child
 * that runs one task attempt at a time, caches imported DAG files (re-imported when they
 * change), writes the attempt's output to its log file and reports the result to the parent
 * over IPC.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { appendFileSync, closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { inspect } from "node:util";
import { applyConfiguredTaskDefaultsFromEnv } from "../dag/taskOptions.js";
import {
  DagDefinitionError,
  errorRecord,
  KitelabError,
  NotFoundError,
  serializeError,
  TaskError,
  XComTooLargeError,
} from "../errors.js";
import type { TaskLogger, TaskServices } from "../dag/context.js";
import { importDagFile, type DagFileImport } from "../dagbag/importFile.js";
import { dagFileVersion } from "../dagbag/localModules.js";
import { runAttempt, type AttemptResult } from "../runtime/attempt.js";
import { secretsMasker } from "../util/secrets.js";
import { MEMORY_EXCEEDED_EXIT_CODE, memoryLimitFromEnv, overMemoryLimit, watchMemory } from "../util/memoryCap.js";
import { ATTEMPT_ENV, killAttemptLeftovers, ownershipEnv, signalGroup } from "./attemptProcesses.js";
import {
  attemptId,
  isParentMessage,
  type ParentToWorker,
  type ServiceCalls,
  type ServiceMethod,
  type ServiceValue,
  type TaskJob,
  unreachable,
  type WorkerToParent,
} from "./protocol.js";

/** Ends everything the running attempt started, then this worker's whole process group (itself included). */
function endOwnedProcesses(): void {
  if (current) killAttemptLeftovers({ ...ownershipEnv(), [ATTEMPT_ENV]: current.id });
  else killAttemptLeftovers({});
}

/** Over its cap (heap and Buffers) the worker ends, with its attempt's processes; the parent names the cause. */
const memoryLimitMb = memoryLimitFromEnv();
function endForMemory(): never {
  endOwnedProcesses();
  process.exit(MEMORY_EXCEEDED_EXIT_CODE);
}

const imports = new Map<string, Promise<DagFileImport>>();
const pendingServices = new Map<number, { resolve: (value: ServiceValue) => void; reject: (error: Error) => void }>();
let nextRequestId = 1;
let current: { id: string; controller: AbortController; failLate: (error: unknown) => void } | undefined;

function send(message: WorkerToParent): void {
  try {
    process.send?.(message);
  } catch (error) {
    // The parent is gone (the disconnect handler ends this worker) or the message is not JSON.
    originalStderr(`kitelab worker: cannot send ${message.type}: ${serializeError(error).message}\n`);
  }
}

/** The DAG file's import, cached until the file or one of its local modules (`./lib/train.ts`) changes. */
async function loadDagFile(file: string): Promise<DagFileImport> {
  const version = dagFileVersion(file);
  const key = `${file}@${version}`;
  if (!imports.has(key)) imports.set(key, importDagFile(file, version));
  return imports.get(key)!;
}

/** The worker's own stderr (the scheduler's terminal), whatever an attempt's capture does to process.stderr. */
const originalStderr = (
  (write) =>
  (text: string): void => {
    try {
      write(text);
    } catch {
      // stderr is gone; there is nowhere else to say it.
    }
  }
)(process.stderr.write.bind(process.stderr));

/** Sends every write to stdout/stderr (console.log in task code included) to the log file. */
function captureOutput(fd: number, mask: (text: string) => string): () => void {
  const original = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  const write = (chunk: string | Uint8Array, encodingOrCallback?: unknown, callback?: unknown): boolean => {
    writeSync(fd, mask(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8")));
    const done = typeof encodingOrCallback === "function" ? encodingOrCallback : callback;
    if (typeof done === "function") (done as () => void)();
    return true;
  };
  process.stdout.write = write as typeof process.stdout.write;
  process.stderr.write = write as typeof process.stderr.write;
  return () => {
    process.stdout.write = original.out;
    process.stderr.write = original.err;
  };
}

function fileLogger(fd: number, mask: (text: string) => string): TaskLogger {
  const emit =
    (level: string) =>
    (...args: unknown[]) => {
      const text = mask(
        args.map((arg) => (typeof arg === "string" ? arg : inspect(arg, { depth: 4, breakLength: 120 }))).join(" "),
      );
      const stamp = new Date().toISOString();
      writeSync(
        fd,
        text
          .split("\n")
          .map((line) => `[${stamp}] ${level.padEnd(5)} - ${line}\n`)
          .join(""),
      );
    };
  return { info: emit("INFO"), warn: emit("WARN"), error: emit("ERROR"), debug: emit("DEBUG") };
}

function requestService<M extends ServiceMethod>(
  id: string,
  method: M,
  args: ServiceCalls[M]["args"],
): Promise<ServiceCalls[M]["result"]> {
  const requestId = nextRequestId++;
  // The union cannot be narrowed from a generic M; pairing method and args here is what makes it one request.
  const request = { method, args } as { [K in ServiceMethod]: { method: K; args: ServiceCalls[K]["args"] } }[M];
  return new Promise((resolve, reject) => {
    // The parent answers a request id with the value of that request's method.
    pendingServices.set(requestId, { resolve: (value) => resolve(value as ServiceCalls[M]["result"]), reject });
    send({ type: "service-request", requestId, attemptId: id, request });
  });
}

/** Log files of recent attempts, so a late throw lands in the log of the attempt that threw. */
const recentLogs = new Map<string, string>();
function rememberLog(id: string, logPath: string): void {
  recentLogs.set(id, logPath);
  if (recentLogs.size > 64) recentLogs.delete(recentLogs.keys().next().value!);
}

/** Which attempt's code is running: kept across its timers and promises, so a late throw names its author. */
const attemptScope = new AsyncLocalStorage<string>();

/** Set when task code left the worker in doubt (a late throw): it finishes its attempt and is replaced. */
let retire = false;

function failedResult(error: unknown): AttemptResult {
  return { outcome: { kind: "failed" }, xcoms: [], error: serializeError(error) };
}

async function run(job: TaskJob): Promise<void> {
  const id = attemptId(job.key);
  let result: AttemptResult;
  try {
    result = await attemptScope.run(id, () => runLogged(job, id));
  } catch (error) {
    // Even a failure outside the task (its log folder cannot be made) is the attempt's outcome.
    result = failedResult(error);
  }
  current = undefined;
  killAttemptLeftovers({ ...ownershipEnv(), [ATTEMPT_ENV]: id });
  delete process.env[ATTEMPT_ENV];
  // Memory taken in one go between two checks, and still held, is caught before a success is reported.
  if (overMemoryLimit(memoryLimitMb)) endForMemory();
  const mask = secretsMasker(job.request.variables, job.request.connections, job.request.conf);
  send({ type: "finished", attemptId: id, result: maskedResult(wireSafe(result), mask), retire: retire || undefined });
}

async function runLogged(job: TaskJob, id: string): Promise<AttemptResult> {
  const controller = new AbortController();
  let failLate: (error: unknown) => void = () => {};
  const late = new Promise<AttemptResult>((resolve) => {
    failLate = (error) => resolve(failedResult(error));
  });
  current = { id, controller, failLate };
  rememberLog(id, job.logPath);
  mkdirSync(dirname(job.logPath), { recursive: true, mode: 0o700 });
  const fd = openSync(job.logPath, "a", 0o600);
  const mask = secretsMasker(job.request.variables, job.request.connections, job.request.conf);
  const log = fileLogger(fd, mask);
  const restore = captureOutput(fd, mask);
  send({ type: "started", attemptId: id, pid: process.pid });
  let result: AttemptResult;
  try {
    log.info(`Starting attempt ${job.key.tryNumber} of ${job.request.maxTries} (pid ${process.pid})`);
    const imported = await loadDagFile(job.dagFile);
    // Marked only after the import: the TypeScript loader's esbuild service, started by the
    // first import, serves every later attempt of this worker and must not end with this one.
    process.env[ATTEMPT_ENV] = id;
    if (!imported.ok)
      throw new DagDefinitionError(
        `cannot import ${job.dagFile}${imported.error.line ? `:${imported.error.line}` : ""}: ${imported.error.message}`,
      );
    const dag = imported.dags.find((candidate) => candidate.dagId === job.key.dagId);
    if (!dag) throw new NotFoundError(`${job.dagFile} no longer defines DAG '${job.key.dagId}'`);
    if (!dag.hasTask(job.key.taskId))
      throw new NotFoundError(`DAG '${job.key.dagId}' no longer has a task '${job.key.taskId}'`);
    const services: TaskServices = {
      triggerDagRun: (request) =>
        requestService(id, "triggerDagRun", {
          dagId: request.dagId,
          conf: request.conf,
          logicalDate: request.logicalDate?.toISOString(),
          waitForCompletion: request.waitForCompletion,
          pokeIntervalMs: request.pokeIntervalMs,
        }),
      sendEmail: (message) => requestService(id, "sendEmail", message),
    };
    result = await Promise.race([
      runAttempt(dag.getTask(job.key.taskId), job.request, { log, services, signal: controller.signal }),
      late,
    ]);
    log.info(`Attempt ended: ${result.outcome.kind}`);
  } catch (error) {
    log.error(serializeError(error).message);
    result = failedResult(error);
  } finally {
    restore();
    closeSync(fd);
  }
  return result;
}

/** Secrets never leave the attempt: its error (message, stack) and XComs are masked like its log. */
function maskedResult(result: AttemptResult, mask: (text: string) => string): AttemptResult {
  const deep = (value: unknown): unknown => {
    if (typeof value === "string") return mask(value);
    if (Array.isArray(value)) return value.map(deep);
    if (value !== null && typeof value === "object")
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, deep(inner)]));
    return value;
  };
  return {
    ...result,
    xcoms: result.xcoms.map((xcom) => ({ key: xcom.key, value: deep(xcom.value) })),
    error: result.error ? (deep(result.error) as AttemptResult["error"]) : undefined,
  };
}

/** A result that survives JSON: a value that cannot (a BigInt, a cycle) becomes a clear failure. */
function wireSafe(result: AttemptResult): AttemptResult {
  try {
    JSON.stringify(result);
    return result;
  } catch (error) {
    const problem = (error as Error).message;
    if (result.error) {
      return {
        outcome: { kind: "failed" },
        xcoms: [],
        error: {
          name: String(result.error.name),
          message: `${String(result.error.message)} (the error could not be sent as JSON: ${problem})`,
        },
      };
    }
    return {
      outcome: { kind: "failed", unrecoverable: true },
      xcoms: [],
      error: errorRecord(
        XComTooLargeError,
        `the task's result is not JSON-serializable (${problem}); return plain data (objects, arrays, strings, numbers)`,
      ),
    };
  }
}

/** Task code threw after its promise settled, or from a timer: blame the attempt that threw. */
function onStrayError(kind: string, error: unknown): void {
  // Orphaned (the scheduler is gone): nothing to report to, and stdio may be a broken pipe
  // whose errors would come straight back here. End, with everything this worker started.
  if (!process.connected) {
    endOwnedProcesses();
    signalGroup(process.pid, "SIGKILL");
    process.exit(1);
  }
  const owner = attemptScope.getStore();
  const text = `${kind} in task code: ${serializeError(error).message}`;
  retire = true;
  if (owner !== undefined && current?.id === owner) {
    current.failLate(new TaskError(text));
    return;
  }
  const logPath = owner === undefined ? undefined : recentLogs.get(owner);
  const line = `[${new Date().toISOString()}] ERROR - ${text} (after this attempt had ended; the worker was replaced so that it cannot harm the next task)\n`;
  try {
    if (logPath) appendFileSync(logPath, line);
    else originalStderr(line);
  } catch {
    originalStderr(line);
  }
}

/**
 * Starts serving the parent: installs the handlers that keep this worker honest, then says
 * it is ready. Until this runs nothing is installed, so a runtime that fails to load leaves
 * workerMain.ts free to report it.
 */
export function serveParent(): void {
  applyConfiguredTaskDefaultsFromEnv();
  watchMemory(memoryLimitMb, endForMemory);
  // When the parent dies (even by SIGKILL), the IPC channel closes: the worker and every
  // process its attempt started end with it, so a command cannot run on beside its retry.
  process.on("disconnect", () => {
    endOwnedProcesses();
    signalGroup(process.pid, "SIGKILL");
    process.exit(1);
  });
  // Asked to stop (the executor's SIGTERM): end what the attempt started, then this worker.
  process.on("SIGTERM", () => {
    endOwnedProcesses();
    process.exit(143);
  });
  // A closed terminal or pipe on stdio is no task's fault and must not loop through the handler below.
  process.stdout.on("error", () => {});
  process.stderr.on("error", () => {});
  process.on("uncaughtException", (error) => onStrayError("Uncaught exception", error));
  process.on("unhandledRejection", (reason) => onStrayError("Unhandled rejection", reason));
  process.on("message", (message: unknown) => {
    if (!isParentMessage(message)) return;
    handle(message);
  });
  send({ type: "ready", pid: process.pid });
}

function handle(message: ParentToWorker): void {
  switch (message.type) {
    case "run":
      void run(message.job);
      return;
    case "cancel":
      if (current?.id === message.attemptId) current.controller.abort(new KitelabError(message.reason));
      return;
    case "service-reply": {
      const pending = pendingServices.get(message.requestId);
      pendingServices.delete(message.requestId);
      if (!pending) return;
      if (message.ok) pending.resolve(message.value);
      else pending.reject(Object.assign(new KitelabError(message.error.message), { name: message.error.name }));
      return;
    }
    case "shutdown":
      endOwnedProcesses();
      process.exit(0);
      return;
    default:
      unreachable(message, "message from the parent");
  }
}
