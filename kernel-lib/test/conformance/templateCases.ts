/**
 * Template conformance cases and Kitelab's answers to them. Each case is a template as a
 * student writes it for Airflow (Jinja) and, where Kitelab's handlebars need another spelling
 * (a documented difference, docs/airflow-differences.md), the Kitelab spelling. Both sides
 * render every case through a real BashOperator of one DAG run by `dags test` (Airflow:
 * airflow/templates.py; Kitelab: dag.test()), with the same logical date, params, run conf and
 * Variables; the command writes each rendered case to a file of its own.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DAG } from "../../src/dag/dag.js";
import { BashOperator } from "../../src/operators/bash.js";
import type { ScheduleSemantics } from "../../src/dag/dag.js";

export interface TemplateCase {
  id: string;
  /** What Airflow renders. */
  jinja: string;
  /** What Kitelab renders, when its spelling differs (a documented difference). */
  kitelab?: string;
  /**
   * Asked of Airflow 2 only: names Airflow 3 removed from the context (prev_ds, next_ds, ...),
   * and run ids, which Airflow 3 names after the time a manual run was triggered (its
   * run_after), so its answer changes with the clock (docs/airflow-differences.md).
   */
  airflow2Only?: boolean;
}

/** The run both sides render in: a manual `dags test` of an @daily DAG. */
export const TEMPLATE_RUN = {
  dagId: "kitelab_templates",
  taskId: "render",
  schedule: "@daily",
  startDate: "2024-01-01T00:00:00Z",
  logicalDate: "2024-03-03T06:30:15Z",
  params: { name: "Ada", count: 3 },
  conf: { who: "Grace", size: 2 },
  variables: { greeting: "hello world", settings: '{"region": "eu", "threshold": 5}' },
} as const;

const strftimeCase = (id: string, subject: string, format: string): TemplateCase => ({
  id,
  jinja: `{{ ${subject}.strftime('${format}') }}`,
  kitelab: `{{ date_format ${subject} "${format}" }}`,
});

export const TEMPLATE_CASES: TemplateCase[] = [
  { id: "ds", jinja: "{{ ds }}" },
  { id: "ds_nodash", jinja: "{{ ds_nodash }}" },
  { id: "ts", jinja: "{{ ts }}" },
  { id: "ts_nodash", jinja: "{{ ts_nodash }}" },
  { id: "ts_nodash_with_tz", jinja: "{{ ts_nodash_with_tz }}" },
  { id: "logical_date", jinja: "{{ logical_date }}" },
  { id: "data_interval_start", jinja: "{{ data_interval_start }}" },
  { id: "data_interval_end", jinja: "{{ data_interval_end }}" },
  { id: "run_id", jinja: "{{ run_id }}", airflow2Only: true },
  { id: "dag_id", jinja: "{{ dag.dag_id }}" },
  { id: "task_id", jinja: "{{ task.task_id }}" },
  { id: "ti_task_id", jinja: "{{ ti.task_id }}" },
  { id: "try_number", jinja: "{{ ti.try_number }}" },
  { id: "dag_run_run_id", jinja: "{{ dag_run.run_id }}", airflow2Only: true },
  { id: "dag_run_logical_date", jinja: "{{ dag_run.logical_date }}" },
  { id: "logical_date_fields", jinja: "{{ logical_date.year }}-{{ logical_date.month }}-{{ logical_date.day }}" },
  {
    id: "logical_date_time_fields",
    jinja: "{{ logical_date.hour }}:{{ logical_date.minute }}:{{ logical_date.second }}",
  },
  { id: "interval_end_int_timestamp", jinja: "{{ data_interval_end.int_timestamp }}" },
  { id: "filter_ds", jinja: "{{ data_interval_start | ds }}" },
  { id: "filter_ds_nodash", jinja: "{{ data_interval_end | ds_nodash }}" },
  { id: "filter_ts", jinja: "{{ data_interval_start | ts }}" },
  { id: "filter_ts_nodash", jinja: "{{ data_interval_end | ts_nodash }}" },
  { id: "filter_ts_nodash_with_tz", jinja: "{{ logical_date | ts_nodash_with_tz }}" },
  { id: "ds_add_forward", jinja: "{{ macros.ds_add(ds, 7) }}" },
  { id: "ds_add_back", jinja: "{{ macros.ds_add(ds, -3) }}" },
  { id: "ds_add_leap", jinja: "{{ macros.ds_add('2024-02-28', 1) }}" },
  { id: "ds_format", jinja: "{{ macros.ds_format(ds, '%Y-%m-%d', '%d/%m/%Y') }}" },
  { id: "ds_format_nodash", jinja: "{{ macros.ds_format(ds_nodash, '%Y%m%d', '%b %d, %Y') }}" },
  { id: "ds_format_nested", jinja: "{{ macros.ds_add(macros.ds_format(ds_nodash, '%Y%m%d', '%Y-%m-%d'), 1) }}" },
  strftimeCase("strftime_compact", "logical_date", "%Y%m%d-%H%M%S"),
  strftimeCase("strftime_names", "logical_date", "%A %a %B %b"),
  strftimeCase("strftime_12h", "logical_date", "%I:%M %p"),
  strftimeCase("strftime_day_of_year", "logical_date", "%j %w %y"),
  strftimeCase("strftime_zone", "logical_date", "%z %Z"),
  strftimeCase("strftime_micro", "logical_date", "%S.%f"),
  strftimeCase("strftime_no_padding", "logical_date", "%-d/%-m %-H:%M"),
  strftimeCase("strftime_no_padding_more", "logical_date", "%-I %-j %-y %-S"),
  strftimeCase("strftime_weeks", "logical_date", "%U %W %u %V %G %g %C"),
  strftimeCase("strftime_composites", "logical_date", "%D %T %F %R %r %h"),
  strftimeCase("strftime_locale", "logical_date", "%c|%x|%X"),
  strftimeCase("strftime_space_padded", "logical_date", "%e %k %l %P"),
  strftimeCase("strftime_percent", "data_interval_end", "%Y%%%m"),
  strftimeCase("strftime_iso_slash", "data_interval_end", "%Y/%m/%d %H:%M"),
  {
    id: "in_timezone",
    jinja: "{{ logical_date.in_timezone('Europe/Paris').strftime('%Y-%m-%d %H:%M %z %Z') }}",
    kitelab: '{{ date_format logical_date "%Y-%m-%d %H:%M %z %Z" "Europe/Paris" }}',
  },
  {
    id: "in_timezone_half_hour",
    jinja: "{{ logical_date.in_timezone('Asia/Kolkata').strftime('%H:%M %z') }}",
    kitelab: '{{ date_format logical_date "%H:%M %z" "Asia/Kolkata" }}',
  },
  { id: "params_string", jinja: "{{ params.name }}" },
  { id: "params_number", jinja: "{{ params.count }}" },
  { id: "params_index", jinja: "{{ params['name'] }}", kitelab: "{{ params.name }}" },
  { id: "conf_string", jinja: "{{ dag_run.conf.who }}" },
  { id: "conf_number", jinja: "{{ dag_run.conf['size'] }}", kitelab: "{{ dag_run.conf.size }}" },
  { id: "var_value", jinja: "{{ var.value.greeting }}" },
  { id: "var_json", jinja: "{{ var.json.settings.region }}-{{ var.json.settings.threshold }}" },
  { id: "text_around", jinja: "s3://bucket/{{ ds_nodash }}/part-{{ params.count }}.csv" },
  { id: "prev_ds", jinja: "{{ prev_ds }}", airflow2Only: true },
  { id: "next_ds", jinja: "{{ next_ds }}", airflow2Only: true },
  { id: "next_ds_nodash", jinja: "{{ next_ds_nodash }}", airflow2Only: true },
  { id: "yesterday_ds", jinja: "{{ yesterday_ds }}", airflow2Only: true },
  { id: "tomorrow_ds", jinja: "{{ tomorrow_ds }}", airflow2Only: true },
  { id: "execution_date", jinja: "{{ execution_date }}", airflow2Only: true },
];

/** The cases one Airflow version is asked. */
export function templateCases(airflowVersion: string): TemplateCase[] {
  const airflow3 = Number.parseInt(airflowVersion, 10) >= 3;
  return TEMPLATE_CASES.filter((c) => !(airflow3 && c.airflow2Only));
}

/**
 * The BashOperator command that writes each case, rendered, to `$KITELAB_TEMPLATE_OUT/<id>`:
 * a quoted heredoc per case, so bash writes the rendered text as it is. The same text on both
 * sides but for each case's template.
 */
export function renderingCommand(cases: readonly TemplateCase[], spelling: "jinja" | "kitelab"): string {
  return cases
    .map((c) => {
      const template = spelling === "kitelab" ? (c.kitelab ?? c.jinja) : c.jinja;
      return `cat > "$KITELAB_TEMPLATE_OUT/${c.id}" <<'KITELAB_END_OF_CASE'\n${template}\nKITELAB_END_OF_CASE\n`;
    })
    .join("");
}

/** Kitelab's rendering of every case, from one `dag.test()` of the same DAG with the given semantics. */
export async function kitelabTemplates(
  cases: readonly TemplateCase[],
  semantics: ScheduleSemantics,
): Promise<Record<string, string>> {
  const out = mkdtempSync(join(tmpdir(), "kitelab-templates-"));
  try {
    const dag = new DAG({
      dagId: TEMPLATE_RUN.dagId,
      schedule: TEMPLATE_RUN.schedule,
      startDate: TEMPLATE_RUN.startDate,
      catchup: false,
      scheduleSemantics: semantics,
      params: { ...TEMPLATE_RUN.params },
    });
    new BashOperator({
      dag,
      taskId: TEMPLATE_RUN.taskId,
      bashCommand: renderingCommand(cases, "kitelab"),
      env: { KITELAB_TEMPLATE_OUT: out },
    });
    const result = await dag.test({
      logicalDate: TEMPLATE_RUN.logicalDate,
      conf: { ...TEMPLATE_RUN.conf },
      variables: { ...TEMPLATE_RUN.variables },
      quiet: true,
    });
    const task = result.task(TEMPLATE_RUN.taskId);
    if (task?.state !== "success") {
      throw new Error(`Kitelab's template task ended ${task?.state}: ${task?.logs.join("\n")}`);
    }
    return Object.fromEntries(cases.map((c) => [c.id, readFileSync(join(out, c.id), "utf8").replace(/\n$/, "")]));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
