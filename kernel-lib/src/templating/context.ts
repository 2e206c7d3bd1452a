import type { ConnectionRecord } from "../records.js";
import { describeValue, ValidationError } from "../errors.js";

/**
 * A date in the template context. Interpolated, it prints as Jinja prints a pendulum
 * DateTime in Airflow, with Python's `str()`: `2024-01-01 00:00:00+00:00` (a space, not a
 * `T`); as JSON it is ISO 8601. Its UTC fields are readable as in Airflow:
 * `{{ logical_date.year }}`.
 */
export class TemplateDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly microsecond: number;
  /** Seconds since the epoch (pendulum's `int_timestamp`). */
  readonly int_timestamp: number;
  constructor(readonly date: Date) {
    this.year = date.getUTCFullYear();
    this.month = date.getUTCMonth() + 1;
    this.day = date.getUTCDate();
    this.hour = date.getUTCHours();
    this.minute = date.getUTCMinutes();
    this.second = date.getUTCSeconds();
    this.microsecond = date.getUTCMilliseconds() * 1000;
    this.int_timestamp = Math.floor(date.getTime() / 1000);
  }
  toString(): string {
    return pythonStr(this.date);
  }
  toJSON(): string {
    return isoWithOffset(this.date);
  }
}

/**
 * What `var.json.NAME` holds when Variable NAME is not JSON: rendering it, or reading
 * inside it, is a template error that says so. It never throws on its own, so the context
 * can be logged or serialized.
 */
export class InvalidJsonVariable {
  readonly #name: string;
  readonly #text: string;
  readonly #reason: string;
  constructor(name: string, text: string, reason: string) {
    this.#name = name;
    this.#text = text;
    this.#reason = reason;
  }
  get problem(): string {
    return `Variable "${this.#name}" is not valid JSON (${this.#reason}), so var.json.${this.#name} cannot be read; use {{ var.value.${this.#name} }} for its text, or store JSON in it`;
  }
  toJSON(): string {
    return this.#text;
  }
}

/** What a template context is built from; dates are instants, rendered in UTC. */
export interface TemplateContextInput {
  dagId: string;
  taskId: string;
  runId: string;
  logicalDate: Date;
  dataIntervalStart: Date;
  dataIntervalEnd: Date;
  /** The previous run's logical date; by default the logical date minus the interval's length. */
  prevLogicalDate?: Date;
  /** The next run's logical date (`next_ds`, `next_execution_date`); by default the data interval's end. */
  nextLogicalDate?: Date;
  tryNumber: number;
  /** @default tryNumber */
  maxTries?: number;
  params: Record<string, unknown>;
  /** The run's configuration (`dag_run.conf`), also readable as `conf`. */
  conf: Record<string, unknown>;
  variables: Record<string, string>;
  connections: Record<string, ConnectionRecord>;
  /** The XComs upstream tasks pushed in this run, for `{{ ti.xcom_pull(task_ids='extract') }}`. */
  xcoms?: ReadonlyArray<{ taskId: string; key: string; value: unknown }>;
}

/** Where the context keeps the run's XComs for the `xcom_pull` helper (not a template name). */
export const XCOMS = Symbol("kitelab.xcoms");

/** The names a template can use: `ds`, `params`, `var`, `conn`, ... (see buildTemplateContext). */
export type TemplateContext = Record<string, unknown>;

/** `2024-01-01T00:00:00+00:00`, Airflow's rendering of a UTC datetime (microseconds when there are any). */
export function isoWithOffset(date: Date): string {
  const millis = date.getUTCMilliseconds();
  const fraction = millis ? `.${String(millis * 1000).padStart(6, "0")}` : "";
  return `${date.toISOString().slice(0, 19)}${fraction}+00:00`;
}

/** `2024-01-01 00:00:00+00:00`: Python's `str()` of a UTC datetime, as Jinja prints one. */
export function pythonStr(date: Date): string {
  return isoWithOffset(date).replace("T", " ");
}

/** The `YYYY-MM-DD` of a date, in UTC. */
export function dsOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

const nodash = (ds: string) => ds.replace(/-/g, "");

/**
 * The template context with Airflow 2's names, in UTC as Airflow renders them: `ds`,
 * `ds_nodash`, `ts`, `ts_nodash`, `ts_nodash_with_tz`, `logical_date` (and
 * `execution_date`), `data_interval_start`, `data_interval_end`, `next_ds`,
 * `prev_ds` (and `_nodash` forms), `yesterday_ds`, `tomorrow_ds`, `run_id`, `dag_id`,
 * `task_id`, `try_number`, `max_tries`, `dag.dag_id`, `task.task_id`, `ti.*`,
 * `dag_run.*`, `params`, `conf`, `var.value.NAME`, `var.json.NAME`, `conn.ID.FIELD`.
 * `next_ds` is the ds of the next logical date when given, else of the data interval's end;
 * `prev_ds` is the ds of the previous logical date when given, else of the logical date minus
 * the interval's length.
 * @example buildTemplateContext({ dagId: "etl", taskId: "load", runId: "manual__1", logicalDate, dataIntervalStart: logicalDate, dataIntervalEnd, tryNumber: 1, params: {}, conf: {}, variables: {}, connections: {} })
 */
export function buildTemplateContext(input: TemplateContextInput): TemplateContext {
  checkInput(input);
  const intervalMs = input.dataIntervalEnd.getTime() - input.dataIntervalStart.getTime();
  const previous = input.prevLogicalDate ?? new Date(input.logicalDate.getTime() - intervalMs);
  const ds = dsOf(input.logicalDate);
  const ts = isoWithOffset(input.logicalDate);
  const next = input.nextLogicalDate ?? input.dataIntervalEnd;
  const nextDs = dsOf(next);
  const prevDs = dsOf(previous);
  const yesterdayDs = dsOf(new Date(input.logicalDate.getTime() - 86_400_000));
  const tomorrowDs = dsOf(new Date(input.logicalDate.getTime() + 86_400_000));
  const logicalDate = new TemplateDate(input.logicalDate);
  const dataIntervalStart = new TemplateDate(input.dataIntervalStart);
  const dataIntervalEnd = new TemplateDate(input.dataIntervalEnd);
  const maxTries = input.maxTries ?? input.tryNumber;
  const context: TemplateContext = {
    ds,
    ds_nodash: nodash(ds),
    ts,
    ts_nodash: input.logicalDate.toISOString().slice(0, 19).replace(/[-:]/g, ""),
    ts_nodash_with_tz: ts.replace(/[-:]/g, ""),
    logical_date: logicalDate,
    execution_date: logicalDate,
    data_interval_start: dataIntervalStart,
    data_interval_end: dataIntervalEnd,
    next_ds: nextDs,
    next_ds_nodash: nodash(nextDs),
    next_execution_date: input.nextLogicalDate ? new TemplateDate(next) : dataIntervalEnd,
    prev_ds: prevDs,
    prev_ds_nodash: nodash(prevDs),
    prev_execution_date: new TemplateDate(previous),
    yesterday_ds: yesterdayDs,
    yesterday_ds_nodash: nodash(yesterdayDs),
    tomorrow_ds: tomorrowDs,
    tomorrow_ds_nodash: nodash(tomorrowDs),
    run_id: input.runId,
    dag_id: input.dagId,
    task_id: input.taskId,
    try_number: input.tryNumber,
    max_tries: maxTries,
    dag: { dag_id: input.dagId },
    task: { task_id: input.taskId },
    ti: {
      dag_id: input.dagId,
      task_id: input.taskId,
      run_id: input.runId,
      try_number: input.tryNumber,
      max_tries: maxTries,
    },
    dag_run: {
      dag_id: input.dagId,
      run_id: input.runId,
      conf: input.conf,
      logical_date: logicalDate,
      execution_date: logicalDate,
      data_interval_start: dataIntervalStart,
      data_interval_end: dataIntervalEnd,
    },
    params: input.params,
    conf: input.conf,
    var: { value: { ...input.variables }, json: jsonVariables(input.variables) },
    conn: Object.fromEntries(
      Object.entries(input.connections).map(([id, connection]) => [id, connectionFields(id, connection)]),
    ),
  };
  Object.defineProperty(context, XCOMS, { value: [...(input.xcoms ?? [])], enumerable: false });
  return context;
}

function connectionFields(id: string, connection: ConnectionRecord): Record<string, unknown> {
  return {
    conn_id: connection.connId ?? id,
    conn_type: connection.connType ?? "",
    host: connection.host ?? "",
    schema: connection.schema ?? "",
    login: connection.login ?? "",
    password: connection.password ?? "",
    port: connection.port ?? "",
    extra: connection.extra ? JSON.stringify(connection.extra) : "",
    extra_dejson: connection.extra ?? {},
    description: connection.description ?? "",
  };
}

/** Parsed on each read, so a template can never change what the next one sees. */
function jsonVariables(variables: Record<string, string>): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(variables)) {
    Object.defineProperty(json, name, {
      enumerable: true,
      get: () => {
        try {
          return JSON.parse(text) as unknown;
        } catch (error) {
          return new InvalidJsonVariable(name, text, (error as Error).message);
        }
      },
    });
  }
  return json;
}

function checkInput(input: TemplateContextInput): void {
  for (const key of ["dagId", "taskId", "runId"] as const) {
    if (typeof input[key] !== "string")
      throw new ValidationError(`Expected \`${key}\` to be a string, got ${describeValue(input[key])}`);
  }
  for (const key of [
    "logicalDate",
    "dataIntervalStart",
    "dataIntervalEnd",
    "prevLogicalDate",
    "nextLogicalDate",
  ] as const) {
    const value = input[key];
    if (value === undefined && (key === "prevLogicalDate" || key === "nextLogicalDate")) continue;
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
      throw new ValidationError(`Expected \`${key}\` to be a valid Date, got ${describeValue(value)}`);
    }
  }
  if (!Number.isInteger(input.tryNumber) || input.tryNumber < 0) {
    throw new ValidationError(
      `Expected \`tryNumber\` to be a non-negative integer, got ${describeValue(input.tryNumber)}`,
    );
  }
  for (const key of ["params", "conf", "variables", "connections"] as const) {
    const value = input[key];
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new ValidationError(`Expected \`${key}\` to be an object of names to values, got ${describeValue(value)}`);
    }
  }
  for (const [name, value] of Object.entries(input.variables)) {
    if (typeof value !== "string")
      throw new ValidationError(`Expected Variable "${name}" to be a string, got ${describeValue(value)}`);
  }
}
