import type { ConnectionRecord } from "../records.js";

/** A date as Airflow prints it in templates: `2024-01-01T00:00:00+00:00`. */
export class TemplateDate {
  constructor(readonly date: Date) {}
  toString(): string {
    return isoWithOffset(this.date);
  }
  toJSON(): string {
    return this.toString();
  }
  get year(): number {
    return this.date.getUTCFullYear();
  }
  get month(): number {
    return this.date.getUTCMonth() + 1;
  }
  get day(): number {
    return this.date.getUTCDate();
  }
  get hour(): number {
    return this.date.getUTCHours();
  }
  get minute(): number {
    return this.date.getUTCMinutes();
  }
  get timestamp(): number {
    return Math.floor(this.date.getTime() / 1000);
  }
}

export interface TemplateContextInput {
  dagId: string;
  taskId: string;
  runId: string;
  logicalDate: Date;
  dataIntervalStart: Date;
  dataIntervalEnd: Date;
  prevLogicalDate?: Date;
  tryNumber: number;
  maxTries?: number;
  params: Record<string, unknown>;
  conf: Record<string, unknown>;
  variables: Record<string, string>;
  connections: Record<string, ConnectionRecord>;
}

export type TemplateContext = Record<string, unknown>;

/** `2024-01-01T00:00:00+00:00`, Airflow's rendering of a UTC datetime. */
export function isoWithOffset(date: Date): string {
  const text = date.toISOString();
  return `${text.slice(0, 19)}${date.getUTCMilliseconds() ? `.${String(date.getUTCMilliseconds() * 1000).padStart(6, "0")}` : ""}+00:00`;
}

export function dsOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * The template context with Airflow 2's names. Dates are in UTC, as Airflow renders them.
 * `next_ds` is the ds of the data interval's end; `prev_ds` the ds of the logical date
 * minus the interval's length, unless the previous logical date is known.
 */
export function buildTemplateContext(input: TemplateContextInput): TemplateContext {
  const intervalMs = input.dataIntervalEnd.getTime() - input.dataIntervalStart.getTime();
  const previous = input.prevLogicalDate ?? new Date(input.logicalDate.getTime() - intervalMs);
  const ds = dsOf(input.logicalDate);
  const ts = isoWithOffset(input.logicalDate);
  const tsNodash = input.logicalDate.toISOString().slice(0, 19).replace(/[-:]/g, "");
  const logicalDate = new TemplateDate(input.logicalDate);
  const connections = Object.fromEntries(
    Object.entries(input.connections).map(([id, connection]) => [
      id,
      {
        conn_id: connection.connId,
        conn_type: connection.connType,
        host: connection.host ?? "",
        schema: connection.schema ?? "",
        login: connection.login ?? "",
        password: connection.password ?? "",
        port: connection.port ?? "",
        extra: connection.extra ? JSON.stringify(connection.extra) : "",
        extra_dejson: connection.extra ?? {},
      },
    ]),
  );
  const json: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input.variables)) {
    Object.defineProperty(json, key, {
      enumerable: true,
      get: () => {
        try {
          return JSON.parse(value) as unknown;
        } catch {
          return value;
        }
      },
    });
  }
  return {
    ds,
    ds_nodash: ds.replace(/-/g, ""),
    ts,
    ts_nodash: tsNodash,
    ts_nodash_with_tz: `${tsNodash}+0000`,
    logical_date: logicalDate,
    execution_date: logicalDate,
    data_interval_start: new TemplateDate(input.dataIntervalStart),
    data_interval_end: new TemplateDate(input.dataIntervalEnd),
    next_ds: dsOf(input.dataIntervalEnd),
    next_ds_nodash: dsOf(input.dataIntervalEnd).replace(/-/g, ""),
    prev_ds: dsOf(previous),
    prev_ds_nodash: dsOf(previous).replace(/-/g, ""),
    run_id: input.runId,
    dag_id: input.dagId,
    task_id: input.taskId,
    try_number: input.tryNumber,
    max_tries: input.maxTries ?? input.tryNumber,
    dag: { dag_id: input.dagId },
    task: { task_id: input.taskId },
    ti: { dag_id: input.dagId, task_id: input.taskId, run_id: input.runId, try_number: input.tryNumber, max_tries: input.maxTries ?? input.tryNumber },
    dag_run: { dag_id: input.dagId, run_id: input.runId, conf: input.conf, logical_date: logicalDate },
    params: input.params,
    conf: input.conf,
    var: { value: { ...input.variables }, json },
    conn: connections,
  };
}
