/**
 * What travels through Redis between the scheduler and `kitelab worker`s: the attempt
 * descriptions of the executor protocol, made independent of the scheduler's disk (DAG
 * files by folder and relative path, no log path), and the events that come back.
 * Pure: no Redis here.
 */
import { isAbsolute, join, relative, sep } from "node:path";
import type { AttemptResult } from "../../runtime/attempt.js";
import { taskLogPath } from "../../runtime/logPaths.js";
import type { AttemptKey, ServiceRequest, TaskJob } from "../protocol.js";

/** The dags folder of the machine that reads the file, or Kitelab's bundled examples. */
export type DagFolderKind = "dags" | "examples";

/** A DAG file named so that any machine with the same dags folder finds it. */
export interface DagFileRef {
  folder: DagFolderKind;
  /** Path inside that folder, with `/` separators. */
  path: string;
}

/** The message a task queue carries: one attempt of one task instance. */
export interface RemoteTaskJob {
  key: AttemptKey;
  dagFile: DagFileRef;
  queue: string;
  request: TaskJob["request"];
}

/** The two folders a machine reads DAG files from. */
export interface DagFolders {
  dags: string;
  examples: string;
}

/** Events a worker sends back on the events queue. */
export type WorkerEvent =
  | { type: "started"; key: AttemptKey; hostname: string; workerId: string; pid: number }
  | { type: "finished"; key: AttemptKey; hostname: string; workerId: string; result: AttemptResult; log: string };

/** A running task's request to the scheduler (trigger a DAG, send mail), on the services queue. */
export interface ServiceCall {
  key: AttemptKey;
  request: ServiceRequest;
}

/** BullMQ queue names: tasks per routing queue; events and services are Kitelab's own. */
export const EVENTS_QUEUE = "events";
export const SERVICES_QUEUE = "services";
export function taskQueueName(queue: string): string {
  return `tasks.${queue}`;
}

/**
 * The BullMQ job id of an attempt. It holds the try number, so the same attempt queued twice
 * is one job, and a retry (the next try) is another. BullMQ refuses `:` in ids, hence the encoding.
 */
export function jobIdOf(key: AttemptKey): string {
  const part = (text: string) => encodeURIComponent(text).replace(/\./g, "%2E");
  return `${part(key.dagId)}.${part(key.runId)}.${part(key.taskId)}.try${key.tryNumber}`;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

/** Names the scheduler's DAG file relative to the folder it lives in. */
export function dagFileRefOf(file: string, folders: DagFolders): Result<DagFileRef> {
  for (const folder of ["dags", "examples"] as const) {
    const inside = relative(folders[folder], file);
    if (inside !== "" && !inside.startsWith("..") && !isAbsolute(inside))
      return { ok: true, value: { folder, path: inside.split(sep).join("/") } };
  }
  return {
    ok: false,
    error: `${file} is neither in dags_folder (${folders.dags}) nor among the examples, so a worker cannot find it`,
  };
}

/** Turns a scheduler's job into the queue message. */
export function toRemoteJob(job: TaskJob, folders: DagFolders, defaultQueue: string): Result<RemoteTaskJob> {
  const dagFile = dagFileRefOf(job.dagFile, folders);
  if (!dagFile.ok) return dagFile;
  return {
    ok: true,
    value: { key: job.key, dagFile: dagFile.value, queue: job.queue ?? defaultQueue, request: job.request },
  };
}

/** Turns a queue message into a job for this machine's worker pool (its own dags and log folders). */
export function toLocalJob(remote: RemoteTaskJob, folders: DagFolders, baseLogFolder: string): Result<TaskJob> {
  const parts = remote.dagFile.path.split("/");
  if (parts.some((part) => part === ".." || part === "") || isAbsolute(remote.dagFile.path)) {
    return {
      ok: false,
      error: `refusing DAG file path ${JSON.stringify(remote.dagFile.path)}: it leaves the ${remote.dagFile.folder} folder`,
    };
  }
  const { dagId, runId, taskId, tryNumber } = remote.key;
  return {
    ok: true,
    value: {
      key: remote.key,
      dagFile: join(folders[remote.dagFile.folder], ...parts),
      request: remote.request,
      logPath: taskLogPath(baseLogFolder, dagId, runId, taskId, tryNumber),
      queue: remote.queue,
    },
  };
}

/** Checks the shape of a queue message before anything acts on it. */
export function parseRemoteJob(value: unknown): Result<RemoteTaskJob> {
  const job = value as Partial<RemoteTaskJob> | null;
  const key = job?.key as Partial<AttemptKey> | undefined;
  if (
    !job ||
    typeof job !== "object" ||
    !key ||
    typeof key.dagId !== "string" ||
    typeof key.runId !== "string" ||
    typeof key.taskId !== "string" ||
    !Number.isInteger(key.tryNumber)
  ) {
    return { ok: false, error: "the message has no valid attempt key (dagId, runId, taskId, tryNumber)" };
  }
  const file = job.dagFile as Partial<DagFileRef> | undefined;
  if (!file || (file.folder !== "dags" && file.folder !== "examples") || typeof file.path !== "string") {
    return { ok: false, error: "the message has no valid dagFile ({ folder: dags|examples, path })" };
  }
  if (typeof job.queue !== "string" || typeof job.request !== "object" || job.request === null) {
    return { ok: false, error: "the message has no queue or no attempt request" };
  }
  return { ok: true, value: job as RemoteTaskJob };
}

/** Logs above this size reach the scheduler as their last part, with a note. */
export const MAX_SHIPPED_LOG_BYTES = 2 * 1024 * 1024;

export function truncateLog(text: string, maxBytes = MAX_SHIPPED_LOG_BYTES): string {
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return text;
  const tail = Buffer.from(text)
    .subarray(bytes - maxBytes)
    .toString("utf8");
  return `[log truncated: the first ${bytes - maxBytes} bytes stayed on the worker]\n${tail}`;
}

/**
 * New bytes of a running attempt's log, published by its worker while it runs so the task
 * log page shows them before the attempt ends. `offset` is where they start in the worker's
 * file; the finished event's whole log replaces whatever arrived this way.
 */
export interface LogChunk {
  jobId: string;
  offset: number;
  /** The bytes, base64: a chunk may end inside a UTF-8 character. */
  data: string;
}

export function parseLogChunk(text: string): LogChunk | undefined {
  try {
    const value = JSON.parse(text) as Partial<LogChunk>;
    if (
      typeof value.jobId === "string" &&
      typeof value.data === "string" &&
      Number.isSafeInteger(value.offset) &&
      (value.offset as number) >= 0
    )
      return { jobId: value.jobId, offset: value.offset as number, data: value.data };
  } catch {
    // not a chunk
  }
  return undefined;
}
