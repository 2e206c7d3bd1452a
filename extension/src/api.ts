/**
 * The part of Kitelab's Airflow-2-compatible JSON API the extension reads, and parsers that
 * check each answer where it enters: a scheduler of another version fails with a message
 * naming the field, not with `undefined` deep in a view.
 */

/** `GET /api/v1/dags`, one entry. */
export interface IDag {
  dag_id: string;
  is_paused: boolean;
  is_active: boolean;
  description: string | null;
  schedule_interval: unknown;
  tags: string[];
  next_dagrun: string | null;
  fileloc: string;
}

/** DAG run states, with Airflow's names. */
export type DagRunState = "queued" | "running" | "success" | "failed";

/** `GET /api/v1/dags/{dag_id}/dagRuns`, one entry. */
export interface IDagRun {
  dag_id: string;
  dag_run_id: string;
  state: DagRunState;
  logical_date: string | null;
  execution_date: string | null;
  start_date: string | null;
  end_date: string | null;
  data_interval_start: string | null;
  data_interval_end: string | null;
  run_type: string;
  conf: unknown;
}

/** `GET /api/v1/importErrors`, one entry. */
export interface IImportError {
  import_error_id: number | string;
  filename: string;
  stack_trace: string;
  timestamp: string | null;
}

/** `GET <base>kitelab/health` (200 when healthy, 503 otherwise: both carry this body). */
export interface IHealth {
  metadatabase: { status: string };
  scheduler: { status: "healthy" | "unhealthy"; latest_scheduler_heartbeat: string | null };
}

/** `GET <base>api/kitelab/scheduler`: the process jupyter-server-proxy started, if any. */
export interface ISchedulerProcess {
  state: "not-started" | "starting" | "running" | "exited";
  started_at: number | null;
}

const RUN_STATES: ReadonlySet<string> = new Set(["queued", "running", "success", "failed"]);
const PROCESS_STATES: ReadonlySet<string> = new Set(["not-started", "starting", "running", "exited"]);

/** An answer from the scheduler that is not what this extension was built against. */
export class KitelabApiError extends Error {
  override name = "KitelabApiError";
}

function describe(value: unknown): string {
  if (value === null) {
    return "null";
  }
  if (Array.isArray(value)) {
    return `an array of ${value.length}`;
  }
  if (typeof value === "string") {
    return `${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)} (string)`;
  }
  return typeof value === "object" ? "an object" : `${String(value)} (${typeof value})`;
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new KitelabApiError(`Expected ${where} to be a JSON object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function list(body: Record<string, unknown>, key: string, where: string): unknown[] {
  const value = body[key];
  if (!Array.isArray(value)) {
    throw new KitelabApiError(`Expected \`${key}\` in ${where} to be an array, got ${describe(value)}`);
  }
  return value;
}

function text(item: Record<string, unknown>, key: string, where: string): string {
  const value = item[key];
  if (typeof value !== "string" || value.length === 0) {
    throw new KitelabApiError(`Expected \`${key}\` in ${where} to be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

function optionalText(item: Record<string, unknown>, key: string): string | null {
  const value = item[key];
  return typeof value === "string" ? value : null;
}

function dagRunState(item: Record<string, unknown>, where: string): DagRunState {
  const value = item.state;
  if (typeof value !== "string" || !RUN_STATES.has(value)) {
    throw new KitelabApiError(
      `Expected \`state\` in ${where} to be one of queued, running, success, failed, got ${describe(value)}`,
    );
  }
  return value as DagRunState;
}

/** Tags as plain strings or, as Airflow 2 sends them, `{ name }` objects. */
function tagNames(value: unknown): string[] {
  if (!Array.isArray(value)) {
    return [];
  }
  return value.flatMap((tag) => {
    if (typeof tag === "string") {
      return [tag];
    }
    const name = (tag as { name?: unknown } | null)?.name;
    return typeof name === "string" ? [name] : [];
  });
}

/** Parses the body of `GET /api/v1/dags`. */
export function parseDags(body: unknown): IDag[] {
  const where = "GET /api/v1/dags";
  return list(record(body, where), "dags", where).map((entry, index) => {
    const item = record(entry, `${where} dags[${index}]`);
    return {
      dag_id: text(item, "dag_id", `${where} dags[${index}]`),
      is_paused: item.is_paused === true,
      is_active: item.is_active !== false,
      description: optionalText(item, "description"),
      schedule_interval: item.schedule_interval ?? null,
      tags: tagNames(item.tags),
      next_dagrun: optionalText(item, "next_dagrun"),
      fileloc: optionalText(item, "fileloc") ?? "",
    };
  });
}

/** Parses one DAG run (an entry of `dag_runs`, or the answer to a trigger). */
export function parseDagRun(entry: unknown, where = "a DAG run"): IDagRun {
  const item = record(entry, where);
  const logicalDate = optionalText(item, "logical_date") ?? optionalText(item, "execution_date");
  return {
    dag_id: text(item, "dag_id", where),
    dag_run_id: text(item, "dag_run_id", where),
    state: dagRunState(item, where),
    logical_date: logicalDate,
    execution_date: optionalText(item, "execution_date") ?? logicalDate,
    start_date: optionalText(item, "start_date"),
    end_date: optionalText(item, "end_date"),
    data_interval_start: optionalText(item, "data_interval_start"),
    data_interval_end: optionalText(item, "data_interval_end"),
    run_type: optionalText(item, "run_type") ?? "manual",
    conf: item.conf ?? {},
  };
}

/** Parses the body of `GET /api/v1/dags/{dag_id}/dagRuns`. */
export function parseDagRuns(body: unknown, dagId: string): IDagRun[] {
  const where = `GET /api/v1/dags/${dagId}/dagRuns`;
  return list(record(body, where), "dag_runs", where).map((entry, index) =>
    parseDagRun(entry, `${where} dag_runs[${index}]`),
  );
}

/** Parses the body of `GET /api/v1/importErrors`. */
export function parseImportErrors(body: unknown): IImportError[] {
  const where = "GET /api/v1/importErrors";
  return list(record(body, where), "import_errors", where).map((entry, index) => {
    const item = record(entry, `${where} import_errors[${index}]`);
    const id = item.import_error_id;
    return {
      import_error_id: typeof id === "number" || typeof id === "string" ? id : index,
      filename: text(item, "filename", `${where} import_errors[${index}]`),
      stack_trace: typeof item.stack_trace === "string" ? item.stack_trace : "",
      timestamp: optionalText(item, "timestamp"),
    };
  });
}

/** Parses the body of `GET <base>kitelab/health`. */
export function parseHealth(body: unknown): IHealth {
  const where = "GET /health";
  const top = record(body, where);
  const scheduler = record(top.scheduler, `\`scheduler\` in ${where}`);
  const metadatabase = top.metadatabase;
  const status = scheduler.status;
  if (status !== "healthy" && status !== "unhealthy") {
    throw new KitelabApiError(
      `Expected \`scheduler.status\` in ${where} to be "healthy" or "unhealthy", got ${describe(status)}`,
    );
  }
  return {
    metadatabase: { status: String((metadatabase as { status?: unknown } | undefined)?.status ?? "unknown") },
    scheduler: { status, latest_scheduler_heartbeat: optionalText(scheduler, "latest_scheduler_heartbeat") },
  };
}

/** Parses the body of `GET <base>api/kitelab/scheduler` (this package's server extension). */
export function parseSchedulerProcess(body: unknown): ISchedulerProcess {
  const where = "GET api/kitelab/scheduler";
  const item = record(body, where);
  if (typeof item.state !== "string" || !PROCESS_STATES.has(item.state)) {
    throw new KitelabApiError(
      `Expected \`state\` in ${where} to be one of not-started, starting, running, exited, got ${describe(item.state)}`,
    );
  }
  return {
    state: item.state as ISchedulerProcess["state"],
    started_at: typeof item.started_at === "number" ? item.started_at : null,
  };
}
