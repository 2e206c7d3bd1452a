import { userInfo } from "node:os";
import type { DagRunRecord, TaskInstanceRecord } from "../records.js";
import type { DagSummary } from "./ports.js";
import { maskSecretNamedValues } from "../util/secrets.js";
import { isoWithOffset } from "../templating/context.js";

/**
 * Kitelab's records in the shapes of Airflow 2's stable REST API (`/api/v1`), field for
 * field, so scripts and clients written for Airflow read them unchanged. Fields Kitelab has
 * no notion of carry Airflow's neutral value (`null`, `false`, `0`).
 */

/** `2024-01-02T03:04:05Z` → `2024-01-02T03:04:05+00:00`, as Airflow (Python's isoformat) writes UTC. */
export function airflowDate(iso: string | undefined): string | null {
  if (iso === undefined || iso === "") return null;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return isoWithOffset(date);
}

/**
 * The token `GET /dagSources/{file_token}` takes: the DAG file's path, base64url-encoded.
 * It grants nothing by itself: the source route serves only files that hold a known DAG.
 */
export function fileTokenOf(fileloc: string): string {
  return Buffer.from(fileloc, "utf8").toString("base64url");
}

export function filelocOfToken(token: string): string {
  return Buffer.from(token, "base64url").toString("utf8");
}

/** Airflow's `TimeDelta` object for a duration in milliseconds. */
export function timeDeltaJson(ms: number) {
  const totalSeconds = Math.floor(ms / 1000);
  return {
    __type: "TimeDelta",
    days: Math.floor(totalSeconds / 86_400),
    seconds: totalSeconds % 86_400,
    microseconds: (ms % 1000) * 1000,
  };
}

/** The Unix user tasks run as: Kitelab's workers are this process's children. */
const UNIXNAME = (() => {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? "");
  }
})();

export function dagJson(summary: DagSummary, hasImportErrors: boolean) {
  const dag = summary.dag;
  const owners = [...new Set(dag.tasks.map((task) => task.owner).filter((owner) => owner !== ""))];
  return {
    dag_id: dag.dagId,
    dag_display_name: dag.dagId,
    root_dag_id: null,
    is_paused: summary.isPaused,
    is_active: summary.isActive,
    is_subdag: false,
    last_parsed_time: null,
    last_pickled: null,
    last_expired: null,
    scheduler_lock: null,
    pickle_id: null,
    default_view: "grid",
    fileloc: dag.fileloc,
    file_token: fileTokenOf(dag.fileloc),
    owners,
    description: dag.description ?? null,
    schedule_interval: dag.schedule === null ? null : { __type: "CronExpression", value: dag.schedule },
    timetable_description: null,
    tags: dag.tags.map((name) => ({ name })),
    max_active_tasks: dag.maxActiveTasks ?? 16,
    max_active_runs: dag.maxActiveRuns ?? 16,
    has_task_concurrency_limits: false,
    has_import_errors: hasImportErrors,
    next_dagrun: airflowDate(summary.nextLogicalDate),
    next_dagrun_data_interval_start: null,
    next_dagrun_data_interval_end: null,
    next_dagrun_create_after: airflowDate(summary.nextRunAfter),
    max_consecutive_failed_dag_runs: 0,
  };
}

/** `GET /dags/{dag_id}/details`: the DAG, plus what its file says about it. */
export function dagDetailsJson(summary: DagSummary, hasImportErrors: boolean) {
  const dag = summary.dag;
  return {
    ...dagJson(summary, hasImportErrors),
    catchup: dag.catchup ?? false,
    concurrency: dag.maxActiveTasks ?? 16,
    dag_run_timeout: null,
    dataset_expression: null,
    doc_md: dag.doc ?? null,
    start_date: airflowDate(dag.startDate),
    end_date: airflowDate(dag.endDate),
    is_paused_upon_creation: dag.isPausedUponCreation ?? null,
    last_parsed: null,
    orientation: "LR",
    params: dag.params,
    render_template_as_native_obj: false,
    template_search_path: null,
    timezone: dag.timezone,
  };
}

export function taskJson(task: DagSummary["dag"]["tasks"][number]) {
  return {
    task_id: task.taskId,
    task_display_name: task.taskId,
    // Kitelab's operators are all exported by the `kitelab` package.
    class_ref: { class_name: task.operator, module_path: "kitelab" },
    owner: task.owner,
    start_date: null,
    end_date: null,
    trigger_rule: task.triggerRule,
    extra_links: [],
    depends_on_past: false,
    is_mapped: false,
    wait_for_downstream: false,
    retries: task.retries,
    queue: "default",
    executor: null,
    pool: task.pool,
    pool_slots: task.poolSlots,
    execution_timeout: task.executionTimeoutMs === undefined ? null : timeDeltaJson(task.executionTimeoutMs),
    retry_delay: timeDeltaJson(task.retryDelayMs),
    retry_exponential_backoff: task.retryExponentialBackoff,
    priority_weight: 1,
    weight_rule: "downstream",
    ui_color: "#fff",
    ui_fgcolor: "#000",
    template_fields: [],
    downstream_task_ids: task.downstreamIds,
    doc_md: task.doc ?? null,
  };
}

export function dagRunJson(run: DagRunRecord) {
  return {
    dag_run_id: run.runId,
    dag_id: run.dagId,
    logical_date: airflowDate(run.logicalDate),
    execution_date: airflowDate(run.logicalDate),
    start_date: airflowDate(run.startDate),
    end_date: airflowDate(run.endDate),
    data_interval_start: airflowDate(run.dataIntervalStart),
    data_interval_end: airflowDate(run.dataIntervalEnd),
    last_scheduling_decision: null,
    run_type: run.runType,
    state: run.state,
    external_trigger: run.externalTrigger,
    conf: maskSecretNamedValues(run.conf),
    note: run.note ?? null,
  };
}

export function taskInstanceJson(ti: TaskInstanceRecord, run: DagRunRecord, operator: string | undefined) {
  return {
    task_id: ti.taskId,
    task_display_name: ti.taskId,
    dag_id: ti.dagId,
    dag_run_id: ti.runId,
    execution_date: airflowDate(run.logicalDate),
    start_date: airflowDate(ti.startDate),
    end_date: airflowDate(ti.endDate),
    duration: ti.durationMs === undefined ? null : ti.durationMs / 1000,
    // Airflow has no "none" state: a task not yet considered has state null.
    state: ti.state === "none" ? null : ti.state,
    try_number: ti.tryNumber,
    map_index: -1,
    max_tries: Math.max(0, ti.maxTries - 1),
    hostname: ti.hostname ?? "",
    unixname: UNIXNAME,
    pool: ti.pool ?? "default_pool",
    pool_slots: 1,
    queue: "default",
    priority_weight: 1,
    operator: operator ?? null,
    queued_when: null,
    pid: ti.pid ?? null,
    executor: null,
    executor_config: "{}",
    sla_miss: null,
    rendered_map_index: null,
    rendered_fields: {},
    trigger: null,
    triggerer_job: null,
    note: ti.note ?? null,
  };
}

export function taskInstanceReference(ti: TaskInstanceRecord, run: DagRunRecord) {
  return { task_id: ti.taskId, dag_id: ti.dagId, dag_run_id: ti.runId, execution_date: airflowDate(run.logicalDate) };
}
