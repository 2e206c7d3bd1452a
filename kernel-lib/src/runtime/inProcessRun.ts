import { inspect } from "node:util";
import { DagDefinitionError, KitelabError, type SerializedError, TaskTimeoutError } from "../errors.js";
import { withXComs, type XComRecord } from "../records.js";
import type { TaskInstanceState } from "../states.js";
import { applyAttemptOutcome, decideRun, type RunSnapshot, type StateChange } from "../engine/runEngine.js";
import type { DAG } from "../dag/dag.js";
import type { BaseOperator } from "../dag/baseOperator.js";
import type { TaskLogger, TaskServices } from "../dag/context.js";
import { findDefinedDag } from "../dag/registry.js";
import { createTimetable } from "../timetable/index.js";
import { formatDuration, toMilliseconds } from "../util/duration.js";
import { DagTestResult, type DagTestOptions, type TaskTestOptions, type TaskTestSummary } from "../dag/testing.js";
import { DEFAULT_XCOM_MAX_BYTES, executionTimeoutMessage, runAttempt } from "./attempt.js";
import { createLiveView, silentView } from "./liveView.js";
import { manualRunId } from "./runIds.js";
import { configuredScheduleDefaults } from "../config/scheduleDefaults.js";
import { type AttemptEnvironment, type AttemptRunFacts, attemptRequestFor } from "./attemptRequest.js";
import { createOutboxOnlyMailService } from "../notify/mailService.js";
import { resolveHome } from "../config/home.js";
import { secretsMasker } from "../util/secrets.js";

export { DagTestResult, type DagTestOptions, type TaskTestOptions, type TaskTestSummary } from "../dag/testing.js";

interface LiveInstance {
  state: TaskInstanceState;
  tryNumber: number;
  startDate?: string;
  nextRetryAt?: string;
  startedAtMs?: number;
  durationMs?: number;
  logs: string[];
  error?: SerializedError;
  controller?: AbortController;
}

/**
 * Runs a DAG once in this process with the run engine: the same rules as the scheduler,
 * with an in-memory store. Task code runs here too, so it is for notebooks and tests.
 */
export async function testDag(dag: DAG, options: DagTestOptions = {}): Promise<DagTestResult> {
  const engineDag = dag.toEngineDag();
  const logicalDate = resolveLogicalDate(options.logicalDate);
  const interval = manualDataInterval(dag, logicalDate);
  const runId = manualRunId(logicalDate);
  const view = options.quiet
    ? silentView
    : createLiveView(options.write ?? ((line) => console.log(line)), options.indent ?? "");
  const maxRetryDelayMs =
    options.maxRetryDelay === undefined ? undefined : toMilliseconds(options.maxRetryDelay, "maxRetryDelay");
  const instances = new Map<string, LiveInstance>(
    dag.taskIds.map((taskId) => [taskId, { state: "none", tryNumber: 0, logs: [] }]),
  );
  let xcoms: XComRecord[] = [];
  const background: Promise<unknown>[] = [];
  const services = inProcessServices(options, background);
  const conf = { ...(options.conf ?? {}), ...(options.params ?? {}) };
  // As the scheduler: the DAG's own limit, else airflow.cfg's [core] max_active_tasks_per_dag.
  const maxActive = dag.maxActiveTasks ?? configuredScheduleDefaults().maxActiveTasks;
  const started = Date.now();
  const finished: Array<{ taskId: string; result: Awaited<ReturnType<typeof runAttempt>> }> = [];
  let wake: (() => void) | undefined;

  view.runStarted(dag.dagId, runId, logicalDate.toISOString());
  const snapshot = (): RunSnapshot => Object.fromEntries(instances);
  const applyChanges = (changes: StateChange[]) => {
    for (const change of changes) {
      const instance = instances.get(change.taskId)!;
      instance.state = change.state;
      instance.nextRetryAt = change.nextRetryAt;
      if (change.state === "up_for_retry" && maxRetryDelayMs !== undefined && change.nextRetryAt) {
        const capped = Math.min(Date.parse(change.nextRetryAt), Date.now() + maxRetryDelayMs);
        instance.nextRetryAt = new Date(capped).toISOString();
      }
      const detail =
        change.state === "up_for_retry"
          ? `retry in ${formatDuration(Math.max(0, Date.parse(instance.nextRetryAt ?? "") - Date.now()))}`
          : change.state === "success" || change.state === "failed"
            ? formatDuration(instance.durationMs ?? 0)
            : undefined;
      view.taskState(change.taskId, change.state, detail);
    }
  };

  const start = (taskId: string) => {
    const task = dag.getTask(taskId);
    const instance = instances.get(taskId)!;
    instance.state = "running";
    instance.tryNumber += 1;
    instance.startDate = new Date().toISOString();
    instance.startedAtMs = Date.now();
    instance.controller = new AbortController();
    const maxTries = task.settings.retries + 1;
    view.taskState(taskId, "running", `try ${instance.tryNumber}/${maxTries}`);
    const request = attemptRequestFor(
      testRun(dag.dagId, runId, logicalDate, interval, conf),
      { taskId, tryNumber: instance.tryNumber, maxTries },
      testEnvironment(dag, xcoms, options),
    );
    const log = collectingLogger(secretsMasker(request.variables, request.connections), (level, line) => {
      instance.logs.push(level === "info" ? line : `${level.toUpperCase()} ${line}`);
      view.taskLog(taskId, level, line);
    });
    void runAttempt(task, request, { log, services, signal: instance.controller.signal }).then((result) => {
      finished.push({ taskId, result });
      wake?.();
    });
  };

  for (;;) {
    while (finished.length > 0) {
      const { taskId, result } = finished.shift()!;
      const instance = instances.get(taskId)!;
      instance.durationMs = Date.now() - (instance.startedAtMs ?? Date.now());
      instance.error = result.error;
      instance.controller = undefined;
      xcoms = withXComs(xcoms, { dagId: dag.dagId, runId }, taskId, result.xcoms);
      applyChanges(
        applyAttemptOutcome(engineDag, snapshot(), taskId, result.outcome, new Date(), logicalDate.toISOString()),
      );
    }
    const decision = decideRun(engineDag, snapshot(), new Date());
    applyChanges(decision.changes);
    for (const taskId of decision.timedOut) {
      const instance = instances.get(taskId)!;
      const limit = dag.getTask(taskId).settings.executionTimeoutMs ?? 0;
      instance.controller?.abort(new TaskTimeoutError(executionTimeoutMessage(taskId, limit)));
    }
    if (decision.runState !== "running" && finished.length === 0) {
      await Promise.allSettled(background);
      const durationMs = Date.now() - started;
      view.runFinished(decision.runState, durationMs);
      const tasks = dag.taskIds.map((taskId) => {
        const instance = instances.get(taskId)!;
        return {
          taskId,
          state: instance.state,
          tryNumber: instance.tryNumber,
          durationMs: instance.durationMs,
          logs: instance.logs,
          error: instance.error,
        };
      });
      return new DagTestResult(
        dag.dagId,
        runId,
        logicalDate.toISOString(),
        decision.runState,
        durationMs,
        tasks,
        xcoms,
      );
    }
    const running = [...instances.values()].filter((instance) => instance.state === "running").length;
    const starting = decision.ready.slice(0, Math.max(0, maxActive - running));
    for (const taskId of starting) start(taskId);
    // Decide again: the tasks just started now have timeout deadlines to wake up for.
    if (finished.length > 0 || starting.length > 0) continue;
    await new Promise<void>((resolve) => {
      const delay = decision.nextWakeAt ? Math.max(0, Date.parse(decision.nextWakeAt) - Date.now()) : undefined;
      const timer = delay === undefined ? undefined : setTimeout(resolve, delay);
      wake = () => {
        if (timer) clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });
  }
}

/**
 * Runs one task of a DAG by itself, ignoring its dependencies (Airflow's `tasks test`).
 * XComs its upstream tasks would have produced can be given as `xcoms`.
 */
export async function testTask(
  task: BaseOperator,
  options: TaskTestOptions & { xcoms?: XComRecord[] } = {},
): Promise<TaskTestSummary> {
  const dag = task.dag;
  const logicalDate = resolveLogicalDate(options.logicalDate);
  const interval = manualDataInterval(dag, logicalDate);
  const view = options.quiet
    ? silentView
    : createLiveView(options.write ?? ((line) => console.log(line)), options.indent ?? "");
  const logs: string[] = [];
  const conf = { ...(options.conf ?? {}), ...(options.params ?? {}) };
  const controller = new AbortController();
  const timeoutMs = task.settings.executionTimeoutMs;
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(
          () => controller.abort(new TaskTimeoutError(executionTimeoutMessage(task.taskId, timeoutMs))),
          timeoutMs,
        );
  const startedAt = Date.now();
  view.taskState(task.taskId, "running", "try 1 (tasks test)");
  const result = await runAttempt(
    task,
    attemptRequestFor(
      testRun(dag.dagId, manualRunId(logicalDate), logicalDate, interval, conf),
      { taskId: task.taskId, tryNumber: 1, maxTries: task.settings.retries + 1 },
      testEnvironment(dag, options.xcoms ?? [], options),
    ),
    {
      log: collectingLogger(secretsMasker(options.variables ?? {}, options.connections ?? {}), (level, line) => {
        logs.push(level === "info" ? line : `${level.toUpperCase()} ${line}`);
        view.taskLog(task.taskId, level, line);
      }),
      services: inProcessServices(options, []),
      signal: controller.signal,
    },
  );
  if (timer) clearTimeout(timer);
  const state: TaskInstanceState = result.outcome.kind === "failed" ? "failed" : result.outcome.kind;
  const durationMs = Date.now() - startedAt;
  view.taskState(task.taskId, state, formatDuration(durationMs));
  return { taskId: task.taskId, state, tryNumber: 1, durationMs, logs, error: result.error };
}

/** The run `dag.test()` and `tasks test` make: manual, at `logicalDate`. */
function testRun(
  dagId: string,
  runId: string,
  logicalDate: Date,
  interval: { start: Date; end: Date },
  conf: Record<string, unknown>,
): AttemptRunFacts {
  return {
    dagId,
    runId,
    runType: "manual",
    logicalDate: logicalDate.toISOString(),
    dataIntervalStart: interval.start.toISOString(),
    dataIntervalEnd: interval.end.toISOString(),
    conf,
  };
}

/** What an attempt in `dag.test()` reads: the options' Variables and Connections, the run's XComs so far. */
function testEnvironment(
  dag: { params: Record<string, unknown> },
  xcoms: readonly XComRecord[],
  options: Pick<DagTestOptions, "variables" | "connections" | "xcomMaxBytes">,
): AttemptEnvironment {
  return {
    dagParams: dag.params,
    xcoms,
    variables: options.variables ?? {},
    connections: options.connections ?? {},
    xcomMaxBytes: options.xcomMaxBytes ?? DEFAULT_XCOM_MAX_BYTES,
  };
}

function resolveLogicalDate(value: Date | string | undefined): Date {
  if (value === undefined) return new Date();
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new DagDefinitionError(`Expected \`logicalDate\` to be a date such as "2024-01-01", got "${String(value)}"`);
  }
  return date;
}

/**
 * The data interval a manual run at `logicalDate` covers, as the DAG's timetable infers it
 * with the scheduler's configured semantics.
 */
function manualDataInterval(dag: DAG, logicalDate: Date): { start: Date; end: Date } {
  const defaults = configuredScheduleDefaults();
  const timetable = createTimetable({
    schedule: dag.schedule,
    startDate: dag.startDate ?? logicalDate,
    endDate: dag.endDate,
    catchup: dag.catchup ?? defaults.catchup,
    timezone: dag.timezone,
    semantics: dag.scheduleSemantics ?? defaults.semantics,
  });
  if (!timetable.ok) return { start: logicalDate, end: logicalDate };
  const run = timetable.value.manualRun(logicalDate);
  return { start: run.dataIntervalStart, end: run.dataIntervalEnd };
}

function collectingLogger(mask: (text: string) => string, sink: (level: string, line: string) => void): TaskLogger {
  const emit =
    (level: string) =>
    (...args: unknown[]) =>
      sink(
        level,
        mask(
          args.map((arg) => (typeof arg === "string" ? arg : inspect(arg, { depth: 4, breakLength: 120 }))).join(" "),
        ),
      );
  return { info: emit("info"), warn: emit("warn"), error: emit("error"), debug: emit("debug") };
}

/** Triggers and mail inside dag.test(): triggered DAGs run here too, if this process defined them. */
function inProcessServices(options: DagTestOptions, background: Promise<unknown>[]): TaskServices {
  return {
    async triggerDagRun(request) {
      const target = findDefinedDag(request.dagId);
      if (!target) {
        throw new KitelabError(
          `cannot trigger DAG '${request.dagId}': it is not defined in this process. In dag.test(), import or define the DAG you trigger first; under the scheduler it is looked up in the dags folder`,
        );
      }
      const run = testDag(target, {
        ...options,
        params: undefined,
        conf: request.conf,
        logicalDate: request.logicalDate ?? new Date(),
        indent: `${options.indent ?? ""}    `,
      });
      if (!request.waitForCompletion) {
        background.push(run);
        return { dagId: target.dagId, runId: manualRunId(request.logicalDate ?? new Date()), state: "queued" };
      }
      const result = await run;
      return { dagId: result.dagId, runId: result.runId, state: result.state };
    },
    // dag.test() writes mail to the outbox of $KITELAB_HOME, so a student can open it.
    sendEmail: (message) => createOutboxOnlyMailService(resolveHome(process.env))(message),
    ...options.services,
  };
}
