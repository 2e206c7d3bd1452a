import { createHash } from "node:crypto";
import { basename } from "node:path";
import type { DagRunRecord, TaskInstanceRecord, XComRecord } from "../../records.js";
import { airflowDate, dagDetailsJson, dagJson, fileTokenOf, taskInstanceJson, taskJson } from "../airflowShapes.js";
import type { DagSummary } from "../ports.js";
import { maskSecretNamedValues } from "../../util/secrets.js";

/**
 * Kitelab's records in the shapes of Airflow 3's public REST API (`/api/v2`, the
 * `*Response` schemas of `v2-rest-api-generated.yaml` in `apache-airflow-core==3.1.3`).
 * What Kitelab has no notion of (bundles, DAG versions, favourites) carries Airflow's
 * neutral value. Built on the v1 shapes where the two APIs agree.
 */

/** Kitelab reads every DAG from one folder, which Airflow 3 would call its `dags-folder` bundle. */
const BUNDLE = "dags-folder";

function tagsOf(summary: DagSummary) {
  return summary.dag.tags.map((name) => ({ name, dag_id: summary.dag.dagId, dag_display_name: summary.dag.dagId }));
}

export function dagJsonV2(summary: DagSummary, hasImportErrors: boolean) {
  const v1 = dagJson(summary, hasImportErrors);
  return {
    dag_id: v1.dag_id,
    dag_display_name: v1.dag_display_name,
    is_paused: v1.is_paused,
    is_stale: !summary.isActive,
    last_parsed_time: null,
    last_parse_duration: null,
    last_expired: null,
    bundle_name: BUNDLE,
    bundle_version: null,
    relative_fileloc: basename(v1.fileloc),
    fileloc: v1.fileloc,
    description: v1.description,
    timetable_summary: summary.dag.schedule,
    timetable_description: null,
    tags: tagsOf(summary),
    max_active_tasks: v1.max_active_tasks,
    max_active_runs: v1.max_active_runs,
    max_consecutive_failed_dag_runs: 0,
    has_task_concurrency_limits: false,
    has_import_errors: hasImportErrors,
    next_dagrun_logical_date: v1.next_dagrun,
    next_dagrun_data_interval_start: null,
    next_dagrun_data_interval_end: null,
    next_dagrun_run_after: v1.next_dagrun_create_after,
    owners: v1.owners,
    file_token: fileTokenOf(v1.fileloc),
  };
}

export function dagDetailsJsonV2(summary: DagSummary, hasImportErrors: boolean) {
  const v1 = dagDetailsJson(summary, hasImportErrors);
  return {
    ...dagJsonV2(summary, hasImportErrors),
    catchup: v1.catchup,
    dag_run_timeout: null,
    asset_expression: null,
    doc_md: v1.doc_md,
    start_date: v1.start_date,
    end_date: v1.end_date,
    is_paused_upon_creation: v1.is_paused_upon_creation,
    params: v1.params,
    render_template_as_native_obj: false,
    template_search_path: null,
    timezone: v1.timezone,
    last_parsed: null,
    default_args: null,
    owner_links: null,
    is_favorite: false,
    concurrency: v1.concurrency,
    latest_dag_version: null,
  };
}

export function taskJsonV2(task: DagSummary["dag"]["tasks"][number]) {
  const { executor: _executor, ...v1 } = taskJson(task);
  return { ...v1, operator_name: task.operator, params: {} };
}

/** Airflow 3 names who started a run; Kitelab knows it only for scheduled runs and backfills. */
function triggeredBy(run: DagRunRecord): "timetable" | "backfill" | null {
  if (run.runType === "scheduled") return "timetable";
  if (run.runType === "backfill") return "backfill";
  return null;
}

function secondsBetween(start: string | undefined, end: string | undefined): number | null {
  if (start === undefined || end === undefined) return null;
  return (Date.parse(end) - Date.parse(start)) / 1000;
}

export function dagRunJsonV2(run: DagRunRecord) {
  return {
    dag_run_id: run.runId,
    dag_id: run.dagId,
    logical_date: airflowDate(run.logicalDate),
    queued_at: airflowDate(run.queuedAt),
    start_date: airflowDate(run.startDate),
    end_date: airflowDate(run.endDate),
    duration: secondsBetween(run.startDate, run.endDate),
    data_interval_start: airflowDate(run.dataIntervalStart),
    data_interval_end: airflowDate(run.dataIntervalEnd),
    run_after: airflowDate(run.runAfter) ?? airflowDate(run.logicalDate),
    last_scheduling_decision: null,
    run_type: run.runType,
    state: run.state,
    triggered_by: triggeredBy(run),
    triggering_user_name: null,
    conf: maskSecretNamedValues(run.conf),
    note: run.note ?? null,
    dag_versions: [],
    bundle_version: null,
    dag_display_name: run.dagId,
  };
}

/** A stable id in UUID form: Airflow 3 gives each task instance one. */
export function taskInstanceId(ti: TaskInstanceRecord): string {
  const hex = createHash("sha1").update(`${ti.dagId}\u0000${ti.runId}\u0000${ti.taskId}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function taskInstanceJsonV2(ti: TaskInstanceRecord, run: DagRunRecord, operator: string | undefined) {
  const v1 = taskInstanceJson(ti, run, operator);
  return {
    id: taskInstanceId(ti),
    task_id: v1.task_id,
    dag_id: v1.dag_id,
    dag_run_id: v1.dag_run_id,
    map_index: -1,
    logical_date: airflowDate(run.logicalDate),
    run_after: airflowDate(run.runAfter) ?? airflowDate(run.logicalDate),
    start_date: v1.start_date,
    end_date: v1.end_date,
    duration: v1.duration,
    state: v1.state,
    try_number: v1.try_number,
    max_tries: v1.max_tries,
    task_display_name: v1.task_display_name,
    dag_display_name: v1.dag_id,
    hostname: v1.hostname,
    unixname: v1.unixname,
    pool: v1.pool,
    pool_slots: v1.pool_slots,
    queue: v1.queue,
    priority_weight: v1.priority_weight,
    operator: v1.operator,
    operator_name: v1.operator,
    queued_when: null,
    scheduled_when: null,
    pid: v1.pid,
    executor: null,
    executor_config: v1.executor_config,
    note: v1.note,
    rendered_map_index: null,
    rendered_fields: {},
    trigger: null,
    triggerer_job: null,
    dag_version: null,
  };
}

export function xcomJsonV2(xcom: XComRecord, run: DagRunRecord, ti: TaskInstanceRecord) {
  return {
    key: xcom.key,
    // Kitelab records an XCom when its task finishes.
    timestamp: airflowDate(ti.endDate ?? ti.startDate ?? run.queuedAt) ?? airflowDate(run.logicalDate),
    logical_date: airflowDate(run.logicalDate),
    map_index: -1,
    task_id: xcom.taskId,
    dag_id: xcom.dagId,
    run_id: run.runId,
    dag_display_name: xcom.dagId,
    task_display_name: xcom.taskId,
  };
}
