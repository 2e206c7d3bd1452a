import {
  isLibraryFrame,
  isSkip,
  isUnrecoverable,
  KitelabError,
  serializeError,
  type SerializedError,
  XComTooLargeError,
} from "../errors.js";
import type { ConnectionRecord, XComRecord } from "../records.js";
import type { DagRunType } from "../states.js";
import type { AttemptOutcome } from "../engine/runEngine.js";
import type { BaseOperator } from "../dag/baseOperator.js";
import { isExecuteOutcome } from "../dag/baseOperator.js";
import type { TaskContext, TaskLogger, TaskServices } from "../dag/context.js";
import { formatDuration } from "../util/duration.js";
import { withCurrentContext } from "./currentContext.js";
import { buildTemplateContext, renderTemplate, renderTemplateFields } from "../templating/index.js";

/** Everything one attempt needs, as plain data: it crosses process boundaries. */
export interface AttemptRequest {
  dagId: string;
  taskId: string;
  runId: string;
  runType: DagRunType;
  logicalDate: string;
  dataIntervalStart: string;
  dataIntervalEnd: string;
  tryNumber: number;
  maxTries: number;
  conf: Record<string, unknown>;
  params: Record<string, unknown>;
  /** XComs already recorded in this run: all of them, or in a run with many, those of the upstream tasks. */
  xcoms: XComRecord[];
  /** How many of the run's XComs were not sent (see `xcoms`); a pull that finds nothing then says why. */
  omittedXComs?: number;
  variables: Record<string, string>;
  connections: Record<string, ConnectionRecord>;
  /** A return value or pushed XCom larger than this (as JSON) fails the attempt. */
  xcomMaxBytes: number;
}

/** How an attempt ended, as plain data. */
export interface AttemptResult {
  outcome: AttemptOutcome;
  /** XComs to record: the return value under `return_value`, plus pushed keys. */
  xcoms: Array<{ key: string; value: unknown }>;
  error?: SerializedError;
}

/** 48 KiB: what fits comfortably in the store and the status page. Bigger data belongs in a file. */
export const DEFAULT_XCOM_MAX_BYTES = 48 * 1024;

export interface AttemptEnvironment {
  log: TaskLogger;
  services: TaskServices;
  signal: AbortSignal;
}

/**
 * Runs one attempt of a task: renders its templated fields, calls `execute` with the
 * context, and turns whatever happens (a value, a thrown error, a skip) into an
 * AttemptResult. It never throws for a task's own failure.
 */
export async function runAttempt(
  task: BaseOperator,
  request: AttemptRequest,
  env: AttemptEnvironment,
): Promise<AttemptResult> {
  const pushed = new Map<string, unknown>();
  try {
    // As Airflow 2: a manual run has no schedule around it, so its previous and next logical
    // dates (prev_ds, next_ds) are its own.
    const manual = request.runType === "manual";
    const templateContext = buildTemplateContext({
      dagId: request.dagId,
      taskId: request.taskId,
      runId: request.runId,
      logicalDate: new Date(request.logicalDate),
      prevLogicalDate: manual ? new Date(request.logicalDate) : undefined,
      nextLogicalDate: manual ? new Date(request.logicalDate) : undefined,
      dataIntervalStart: new Date(request.dataIntervalStart),
      dataIntervalEnd: new Date(request.dataIntervalEnd),
      tryNumber: request.tryNumber,
      maxTries: request.maxTries,
      params: request.params,
      conf: request.conf,
      variables: request.variables,
      connections: request.connections,
      xcoms: request.xcoms,
    });
    const context = createTaskContext(request, env, templateContext, pushed);
    const rendered = renderedTask(task, templateContext);
    const value = await rejectOnAbort(
      withCurrentContext(context, () => rendered.execute(context)),
      env.signal,
    );
    const returnValue = isExecuteOutcome(value) ? value.returnValue : value;
    const skipTaskIds = isExecuteOutcome(value) ? value.skipTaskIds : undefined;
    const xcoms: Array<{ key: string; value: unknown }> = [];
    if (returnValue !== undefined) xcoms.push({ key: "return_value", value: returnValue });
    for (const [key, pushedValue] of pushed) xcoms.push({ key, value: pushedValue });
    for (const xcom of xcoms) checkXComSize(request, xcom.key, xcom.value);
    return { outcome: { kind: "success", skipTaskIds }, xcoms };
  } catch (error) {
    return failedAttempt(error, env.log);
  }
}

/** What an attempt that ran past its `executionTimeout` says, wherever it ran. */
export function executionTimeoutMessage(taskId: string, limitMs: number): string {
  return `Task '${taskId}' exceeded its executionTimeout of ${formatDuration(limitMs)}`;
}

function failedAttempt(error: unknown, log: TaskLogger): AttemptResult {
  const serialized = serializeError(error);
  if (isSkip(serialized)) {
    log.info(`Task skipped: ${serialized.message}`);
    return { outcome: { kind: "skipped" }, xcoms: [] };
  }
  log.error(userFacingStack(serialized));
  return { outcome: { kind: "failed", unrecoverable: isUnrecoverable(serialized) }, xcoms: [], error: serialized };
}

/** The error's message and only the stack frames in user code: the library's own frames are noise to a student. */
export function userFacingStack(error: SerializedError): string {
  const head = `${error.name}: ${error.message}`;
  const frames = (error.stack ?? "")
    .split("\n")
    .filter((line) => /^\s+at /.test(line))
    .filter((line) => !isLibraryFrame(line));
  return [head, ...frames].join("\n");
}

function checkXComSize(request: AttemptRequest, key: string, value: unknown): void {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new XComTooLargeError(
      `XCom '${key}' of task '${request.taskId}' is not JSON-serializable (${(error as Error).message}); return plain data (objects, arrays, strings, numbers)`,
    );
  }
  const size = Buffer.byteLength(text ?? "null");
  if (size > request.xcomMaxBytes) {
    throw new XComTooLargeError(
      `XCom '${key}' of task '${request.taskId}' is ${size} bytes; the limit is ${request.xcomMaxBytes} bytes ([core] xcom_max_size_bytes). XCom is for small values: write the data to a file and return its path instead`,
    );
  }
}

/** A copy of the task whose templated fields hold their rendered values. */
function renderedTask(task: BaseOperator, templateContext: Record<string, unknown>): BaseOperator {
  if (task.templateFields.length === 0) return task;
  const copy = Object.create(task) as BaseOperator;
  for (const field of task.templateFields) {
    const value = (task as unknown as Record<string, unknown>)[field];
    if (value === undefined) continue;
    Object.defineProperty(copy, field, {
      value: renderTemplateFields(
        value,
        templateContext as never,
        `task '${task.taskId}', field '${field}'`,
        task.htmlTemplateFields.includes(field),
      ),
      enumerable: true,
    });
  }
  return copy;
}

function createTaskContext(
  request: AttemptRequest,
  env: AttemptEnvironment,
  templateContext: Record<string, unknown>,
  pushed: Map<string, unknown>,
): TaskContext {
  const logicalDate = new Date(request.logicalDate);
  const dataIntervalStart = new Date(request.dataIntervalStart);
  const dataIntervalEnd = new Date(request.dataIntervalEnd);
  const params = Object.freeze({ ...request.params });
  const conf = Object.freeze({ ...request.conf });
  return {
    dag_id: request.dagId,
    task_id: request.taskId,
    run_id: request.runId,
    ds: String(templateContext.ds),
    ds_nodash: String(templateContext.ds_nodash),
    ts: String(templateContext.ts),
    logical_date: logicalDate,
    data_interval_start: dataIntervalStart,
    data_interval_end: dataIntervalEnd,
    try_number: request.tryNumber,
    params,
    conf,
    dagRun: {
      dagId: request.dagId,
      runId: request.runId,
      runType: request.runType,
      logicalDate,
      dataIntervalStart,
      dataIntervalEnd,
      conf,
    },
    ti: {
      dagId: request.dagId,
      taskId: request.taskId,
      runId: request.runId,
      tryNumber: request.tryNumber,
      maxTries: request.maxTries,
      xcomPull<T>(taskId: string, key = "return_value"): T | undefined {
        if (taskId === request.taskId && pushed.has(key)) return pushed.get(key) as T;
        const record = request.xcoms.find((xcom) => xcom.taskId === taskId && xcom.key === key);
        if (!record && request.omittedXComs)
          env.log.warn(
            `xcomPull("${taskId}", "${key}") found nothing: this run has many XComs, so an attempt is sent only those of the tasks upstream of it, directly or further up (${request.omittedXComs} others were not sent). To pull from '${taskId}', make it upstream of '${request.taskId}'.`,
          );
        return record?.value as T | undefined;
      },
      xcomPush(key: string, value: unknown): void {
        checkXComSize(request, key, value);
        pushed.set(key, value);
      },
    },
    log: env.log,
    signal: env.signal,
    variables: {
      get: (key) => request.variables[key],
      getJson<T>(key: string): T | undefined {
        const raw = request.variables[key];
        return raw === undefined ? undefined : (JSON.parse(raw) as T);
      },
    },
    connections: { get: (connId) => request.connections[connId] },
    render: (template) =>
      renderTemplate(template, templateContext as never, { where: `task '${request.taskId}', render()` }),
    templateContext,
    services: env.services,
  };
}

/** Settles with the task's promise, or rejects as soon as the attempt is aborted. */
function rejectOnAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new KitelabError(String(signal.reason ?? "the attempt was stopped"));
}
