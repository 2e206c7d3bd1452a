import type { EngineTask } from "../engine/runEngine.js";
import { compileEngineDag, type EngineDag } from "../engine/runEngine.js";
import type { DAG, RunSummaryEmail, ScheduleSemantics } from "./dag.js";
import type { ResolvedTaskSettings } from "./taskOptions.js";

/** A task as stored and shown, without its code. */
export interface SerializedTask
  extends EngineTask,
    Pick<
      ResolvedTaskSettings,
      "email" | "emailOnFailure" | "emailOnRetry" | "emailOnSuccess" | "pool" | "poolSlots" | "queue" | "owner"
    > {
  operator: string;
  downstreamIds: string[];
  doc?: string;
}

/**
 * A DAG as plain JSON: what the DAG processor hands the scheduler, what the store keeps
 * and what the status page and API show. Task code stays in the DAG file.
 */
export interface SerializedDag {
  dagId: string;
  fileloc: string;
  description?: string;
  schedule: string | null;
  startDate?: string;
  endDate?: string;
  catchup?: boolean;
  timezone: string;
  maxActiveRuns?: number;
  maxActiveTasks?: number;
  params: Record<string, unknown>;
  tags: string[];
  isPausedUponCreation?: boolean;
  doc?: string;
  scheduleSemantics?: ScheduleSemantics;
  runSummaryEmail?: { to: string[]; when: "success" | "failure" | "both" };
  warnings: string[];
  tasks: SerializedTask[];
}

export function serializeDag(dag: DAG, fileloc: string): SerializedDag {
  dag.validate();
  const tasks = dag.tasks.map((task): SerializedTask => {
    const settings = task.settings;
    return {
      taskId: task.taskId,
      operator: task.operatorName,
      upstreamIds: [...dag.upstreamOf(task.taskId)],
      downstreamIds: [...dag.downstreamOf(task.taskId)],
      triggerRule: settings.triggerRule,
      retries: settings.retries,
      retryDelayMs: settings.retryDelayMs,
      retryExponentialBackoff: settings.retryExponentialBackoff,
      maxRetryDelayMs: settings.maxRetryDelayMs,
      executionTimeoutMs: settings.executionTimeoutMs,
      isSetup: settings.isSetup,
      doc: task.doc,
      email: settings.email,
      emailOnFailure: settings.emailOnFailure,
      emailOnRetry: settings.emailOnRetry,
      emailOnSuccess: settings.emailOnSuccess,
      pool: settings.pool,
      poolSlots: settings.poolSlots,
      ...(settings.queue !== undefined ? { queue: settings.queue } : {}),
      owner: settings.owner,
    };
  });
  return stripUndefined({
    dagId: dag.dagId,
    fileloc,
    description: dag.description,
    schedule: dag.schedule,
    startDate: dag.startDate?.toISOString(),
    endDate: dag.endDate?.toISOString(),
    catchup: dag.catchup,
    timezone: dag.timezone,
    maxActiveRuns: dag.maxActiveRuns,
    maxActiveTasks: dag.maxActiveTasks,
    params: JSON.parse(JSON.stringify(dag.params ?? {})) as Record<string, unknown>,
    tags: [...dag.tags],
    isPausedUponCreation: dag.isPausedUponCreation,
    doc: dag.doc,
    scheduleSemantics: dag.scheduleSemantics,
    runSummaryEmail: normalizeSummary(dag.runSummaryEmail),
    warnings: [...dag.warnings],
    tasks,
  });
}

function normalizeSummary(summary: RunSummaryEmail | undefined): SerializedDag["runSummaryEmail"] {
  if (!summary) return undefined;
  const to =
    typeof summary.to === "string"
      ? summary.to
          .split(/[,;]/)
          .map((a) => a.trim())
          .filter(Boolean)
      : [...summary.to];
  return { to, when: summary.when ?? "both" };
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

/** The engine's view of a serialized DAG. */
export function engineDagOf(dag: SerializedDag): EngineDag {
  return compileEngineDag(dag.dagId, dag.tasks);
}
