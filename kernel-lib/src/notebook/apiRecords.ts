import type { DagRunState, DagRunType, TaskInstanceState } from "../states.js";

/**
 * What the notebook client returns: the JSON API's Airflow-shaped answers
 * (`dag_id`, `is_paused`, ...) in TypeScript's camelCase, with only the fields a notebook
 * uses. Dates are ISO-8601 strings, or null when the API has none.
 */

/** A DAG as the running scheduler lists it. */
export interface DagInfo {
  dagId: string;
  description: string | null;
  /** The cron expression or preset (`@daily`), or null for manual-only DAGs. */
  schedule: string | null;
  isPaused: boolean;
  isActive: boolean;
  fileloc: string;
  tags: string[];
  owners: string[];
  hasImportErrors: boolean;
  /** Logical date of the next scheduled run. */
  nextRun: string | null;
}

/** One run of a DAG. */
export interface DagRunInfo {
  dagId: string;
  runId: string;
  runType: DagRunType;
  state: DagRunState;
  logicalDate: string | null;
  dataIntervalStart: string | null;
  dataIntervalEnd: string | null;
  startDate: string | null;
  endDate: string | null;
  conf: Record<string, unknown>;
  externalTrigger: boolean;
}

/** One task of one run. */
export interface TaskInstanceInfo {
  dagId: string;
  runId: string;
  taskId: string;
  /** `none` while the scheduler has not considered the task yet. */
  state: TaskInstanceState;
  /** Attempts started so far. */
  tryNumber: number;
  startDate: string | null;
  endDate: string | null;
  durationSeconds: number | null;
  operator: string | null;
  hostname: string;
}

/** A DAG file the scheduler could not import. */
export interface ImportErrorInfo {
  file: string;
  /** The error and its stack, as the scheduler recorded it. */
  message: string;
  timestamp: string | null;
}

/** The log of one try of one task. */
export interface TaskLog {
  dagId: string;
  runId: string;
  taskId: string;
  tryNumber: number;
  content: string;
}

type Json = Record<string, unknown>;

const text = (value: unknown): string =>
  typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);
const textOrNull = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);

export function dagInfoOf(json: Json): DagInfo {
  const schedule = json.schedule_interval as { value?: unknown } | string | null | undefined;
  return {
    dagId: text(json.dag_id),
    description: textOrNull(json.description),
    schedule:
      schedule === null || schedule === undefined
        ? null
        : typeof schedule === "string"
          ? schedule
          : textOrNull(schedule.value),
    isPaused: json.is_paused === true,
    isActive: json.is_active !== false,
    fileloc: text(json.fileloc),
    tags: Array.isArray(json.tags) ? json.tags.map((tag) => text((tag as { name?: unknown }).name ?? tag)) : [],
    owners: Array.isArray(json.owners) ? json.owners.map(text) : [],
    hasImportErrors: json.has_import_errors === true,
    nextRun: textOrNull(json.next_dagrun),
  };
}

export function dagRunInfoOf(json: Json): DagRunInfo {
  return {
    dagId: text(json.dag_id),
    runId: text(json.dag_run_id),
    runType: text(json.run_type) as DagRunType,
    state: text(json.state) as DagRunState,
    logicalDate: textOrNull(json.logical_date ?? json.execution_date),
    dataIntervalStart: textOrNull(json.data_interval_start),
    dataIntervalEnd: textOrNull(json.data_interval_end),
    startDate: textOrNull(json.start_date),
    endDate: textOrNull(json.end_date),
    conf: typeof json.conf === "object" && json.conf !== null ? (json.conf as Record<string, unknown>) : {},
    externalTrigger: json.external_trigger === true,
  };
}

export function taskInstanceInfoOf(json: Json): TaskInstanceInfo {
  return {
    dagId: text(json.dag_id),
    runId: text(json.dag_run_id),
    taskId: text(json.task_id),
    state: (textOrNull(json.state) ?? "none") as TaskInstanceState,
    tryNumber: typeof json.try_number === "number" ? json.try_number : 0,
    startDate: textOrNull(json.start_date),
    endDate: textOrNull(json.end_date),
    durationSeconds: typeof json.duration === "number" ? json.duration : null,
    operator: textOrNull(json.operator),
    hostname: text(json.hostname),
  };
}

export function importErrorInfoOf(json: Json): ImportErrorInfo {
  return { file: text(json.filename), message: text(json.stack_trace), timestamp: textOrNull(json.timestamp) };
}

/** Run states a run never leaves on its own. */
export function isFinishedRun(state: DagRunState): boolean {
  return state === "success" || state === "failed";
}
