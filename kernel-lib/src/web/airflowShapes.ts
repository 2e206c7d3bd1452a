import type { DagRunRecord, TaskInstanceRecord } from "../records.js";
import type { DagSummary } from "./ports.js";
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
    file_token: null,
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
    doc_md: dag.doc ?? null,
    start_date: airflowDate(dag.startDate),
    end_date: airflowDate(dag.endDate),
    is_paused_upon_creation: dag.isPausedUponCreation ?? null,
    orientation: "LR",
    params: dag.params,
    render_template_as_native_obj: false,
    template_searchpath: null,
    timezone: dag.timezone,
  };
}

export function taskJson(task: DagSummary["dag"]["tasks"][number]) {
  return {
    task_id: task.taskId,
    task_display_name: task.taskId,
    class_ref: { class_name: task.operator, module_path: null },
    owner: task.owner,
    downstream_task_ids: task.downstreamIds,
    trigger_rule: task.triggerRule,
    retries: task.retries,
    retry_delay: { __type: "TimeDelta", days: 0, seconds: Math.floor(task.retryDelayMs / 1000), microseconds: (task.retryDelayMs % 1000) * 1000 },
    retry_exponential_backoff: task.retryExponentialBackoff,
    pool: task.pool,
    pool_slots: task.poolSlots,
    doc_md: task.doc ?? null,
    is_mapped: false,
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
    conf: run.conf,
    note: null,
  };
}

export function taskInstanceJson(ti: TaskInstanceRecord, run: DagRunRecord | undefined, operator: string | undefined) {
  return {
    task_id: ti.taskId,
    task_display_name: ti.taskId,
    dag_id: ti.dagId,
    dag_run_id: ti.runId,
    execution_date: airflowDate(run?.logicalDate),
    start_date: airflowDate(ti.startDate),
    end_date: airflowDate(ti.endDate),
    duration: ti.durationMs === undefined ? null : ti.durationMs / 1000,
    // Airflow has no "none" state: a task not yet considered has state null.
    state: ti.state === "none" ? null : ti.state,
    try_number: ti.tryNumber,
    map_index: -1,
    max_tries: Math.max(0, ti.maxTries - 1),
    hostname: ti.hostname ?? "",
    unixname: null,
    pool: ti.pool ?? "default_pool",
    pool_slots: 1,
    queue: "default",
    priority_weight: null,
    operator: operator ?? null,
    queued_when: null,
    pid: ti.pid ?? null,
    executor_config: "{}",
    sla_miss: null,
    rendered_fields: {},
    trigger: null,
    triggerer_job: null,
    note: null,
  };
}

export function taskInstanceReference(ti: TaskInstanceRecord, run: DagRunRecord | undefined) {
  return { task_id: ti.taskId, dag_id: ti.dagId, dag_run_id: ti.runId, execution_date: airflowDate(run?.logicalDate) };
}
