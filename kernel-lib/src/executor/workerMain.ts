/**
 * The entry point of a worker process: a long-lived child that runs one task attempt at a
 * time, caches imported DAG files (re-imported when they change), writes the attempt's
 * output to its log file and reports the result to the parent over IPC.
 */
import { closeSync, mkdirSync, openSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { inspect } from "node:util";
import { registerKitelabResolver } from "../loader/register.js";
import { applyConfiguredTaskDefaultsFromEnv } from "../dag/taskOptions.js";
import { serializeError } from "../errors.js";
import type { TaskLogger, TaskServices } from "../dag/context.js";
import { importDagFile, type DagFileImport } from "../dagbag/importFile.js";
import { runAttempt, type AttemptResult } from "../runtime/attempt.js";
import { secretsMasker } from "../util/secrets.js";
import { attemptId, isParentMessage, type ParentToWorker, type ServiceMethod, type TaskJob, type WorkerToParent } from "./protocol.js";

registerKitelabResolver();
applyConfiguredTaskDefaultsFromEnv();

// When the parent dies (even by SIGKILL), the IPC channel closes: a child never outlives it.
process.on("disconnect", () => process.exit(1));

const imports = new Map<string, Promise<DagFileImport>>();
const pendingServices = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
let nextRequestId = 1;
let current: { id: string; controller: AbortController } | undefined;

function send(message: WorkerToParent): void {
  process.send?.(message);
}

async function loadDagFile(file: string): Promise<DagFileImport> {
  const key = `${file}@${statSync(file).mtimeMs}`;
  if (!imports.has(key)) imports.set(key, importDagFile(file));
  return imports.get(key)!;
}

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
  const emit = (level: string) => (...args: unknown[]) => {
    const text = mask(args.map((arg) => (typeof arg === "string" ? arg : inspect(arg, { depth: 4, breakLength: 120 }))).join(" "));
    const stamp = new Date().toISOString();
    writeSync(fd, text.split("\n").map((line) => `[${stamp}] ${level.padEnd(5)} - ${line}\n`).join(""));
  };
  return { info: emit("INFO"), warn: emit("WARN"), error: emit("ERROR"), debug: emit("DEBUG") };
}

function requestService(id: string, method: ServiceMethod, args: unknown): Promise<unknown> {
  const requestId = nextRequestId++;
  return new Promise((resolve, reject) => {
    pendingServices.set(requestId, { resolve, reject });
    send({ type: "service-request", requestId, attemptId: id, method, args });
  });
}

async function run(job: TaskJob): Promise<void> {
  const id = attemptId(job.key);
  const controller = new AbortController();
  current = { id, controller };
  mkdirSync(dirname(job.logPath), { recursive: true });
  const fd = openSync(job.logPath, "a");
  const mask = secretsMasker(job.request.variables, job.request.connections);
  const log = fileLogger(fd, mask);
  const restore = captureOutput(fd, mask);
  send({ type: "started", attemptId: id, pid: process.pid });
  let result: AttemptResult;
  try {
    log.info(`Starting attempt ${job.key.tryNumber} of ${job.request.maxTries} (pid ${process.pid})`);
    const imported = await loadDagFile(job.dagFile);
    if (!imported.ok) throw new Error(`cannot import ${job.dagFile}${imported.error.line ? `:${imported.error.line}` : ""}: ${imported.error.message}`);
    const dag = imported.dags.find((candidate) => candidate.dagId === job.key.dagId);
    if (!dag) throw new Error(`${job.dagFile} no longer defines DAG '${job.key.dagId}'`);
    if (!dag.hasTask(job.key.taskId)) throw new Error(`DAG '${job.key.dagId}' no longer has a task '${job.key.taskId}'`);
    const services: TaskServices = {
      triggerDagRun: (request) => requestService(id, "triggerDagRun", request) as ReturnType<TaskServices["triggerDagRun"]>,
      sendEmail: (message) => requestService(id, "sendEmail", message) as ReturnType<TaskServices["sendEmail"]>,
    };
    result = await runAttempt(dag.getTask(job.key.taskId), job.request, { log, services, signal: controller.signal });
    log.info(`Attempt ended: ${result.outcome.kind}`);
  } catch (error) {
    log.error(serializeError(error).message);
    result = { outcome: { kind: "failed" }, xcoms: [], error: serializeError(error) };
  } finally {
    restore();
    closeSync(fd);
    current = undefined;
  }
  send({ type: "finished", attemptId: id, result });
}

process.on("message", (message: unknown) => {
  if (!isParentMessage(message)) return;
  handle(message);
});

function handle(message: ParentToWorker): void {
  switch (message.type) {
    case "run":
      void run(message.job);
      return;
    case "cancel":
      if (current?.id === message.attemptId) current.controller.abort(new Error(message.reason));
      return;
    case "service-reply": {
      const pending = pendingServices.get(message.requestId);
      pendingServices.delete(message.requestId);
      if (!pending) return;
      if (message.ok) pending.resolve(message.value);
      else pending.reject(Object.assign(new Error(message.error.message), { name: message.error.name }));
      return;
    }
    case "shutdown":
      process.exit(0);
  }
}

// A task's stray promise rejection must not kill the worker silently: it fails nothing but is logged.
process.on("unhandledRejection", (reason) => {
  process.stderr.write(`Unhandled rejection in task code: ${serializeError(reason).message}\n`);
});

send({ type: "ready", pid: process.pid });
