import { readFile } from "node:fs/promises";
import Handlebars from "handlebars";
import { TemplateError } from "../errors.js";

/** Why a task alert is sent. */
export type AlertKind = "failure" | "retry" | "success";

/**
 * What `[email] subject_template` and `html_content_template` files can use, with
 * Airflow's names. In the HTML template `{{ name }}` is HTML-escaped; `{{{ name }}}` is not
 * (do not use it for task ids, exceptions or params).
 * @example subject_template file: `[{{ dag_id }}] {{ task_id }} {{ alert }} (try {{ try_number }})`
 */
export interface AlertTemplateContext {
  /** `<TaskInstance: dag.task run_id [state]>`, as Airflow prints a task instance. */
  ti: string;
  alert: AlertKind;
  dag_id: string;
  task_id: string;
  run_id: string;
  /** success, failed or up_for_retry */
  state: string;
  try_number: number;
  /** Attempts allowed in all (retries + 1): "Try 2 out of 3". */
  max_tries: number;
  /** ISO-8601, UTC. */
  logical_date: string;
  /** The logical date as YYYY-MM-DD. */
  ds: string;
  /** `Name: message` of the error; empty on success. */
  exception: string;
  log_url: string;
  hostname: string;
  /** The DAG's params with the run's conf applied. */
  params: Record<string, unknown>;
  conf: Record<string, unknown>;
}

/** What the built-in run summary uses (summaries have no template file). */
export interface RunSummaryContext {
  dag_id: string;
  run_id: string;
  run_type: string;
  state: string;
  /** "succeeded" or "failed" */
  outcome: string;
  logical_date: string;
  start_date: string;
  end_date: string;
  duration: string;
  tasks: { task_id: string; state: string; duration: string; try_number: number; max_tries: number }[];
  failed_tasks: { task_id: string; exception: string; log_path: string; log_lines: string[]; log_note: string }[];
  status_url: string;
}

export type Render<C> = (context: C) => string;

/** Compiled templates for task alerts. */
export interface AlertTemplates {
  subject: Render<AlertTemplateContext>;
  html: Render<AlertTemplateContext>;
}

/** Airflow's default subject, with Kitelab's name. */
export const DEFAULT_SUBJECT_TEMPLATE = "Kitelab alert: {{ ti }}";

/** Airflow's default body: the try, the exception, the log link, the host. */
export const DEFAULT_HTML_TEMPLATE = [
  "Try {{ try_number }} out of {{ max_tries }}<br>",
  "{{#if exception}}Exception:<br><pre>{{ exception }}</pre>{{/if}}",
  'Log: <a href="{{ log_url }}">Link</a><br>',
  "Host: {{ hostname }}<br>",
  "",
].join("\n");

export const SUMMARY_SUBJECT_TEMPLATE = "Kitelab run {{ outcome }}: {{ dag_id }} {{ run_id }}";

export const SUMMARY_HTML_TEMPLATE = `<h2>DAG {{ dag_id }}: run {{ outcome }}</h2>
<table>
<tr><th align="left">Run</th><td>{{ run_id }} ({{ run_type }})</td></tr>
<tr><th align="left">Logical date</th><td>{{ logical_date }}</td></tr>
<tr><th align="left">Started</th><td>{{ start_date }}</td></tr>
<tr><th align="left">Ended</th><td>{{ end_date }}</td></tr>
<tr><th align="left">Duration</th><td>{{ duration }}</td></tr>
</table>
<h3>Tasks</h3>
<table border="1" cellpadding="4" cellspacing="0">
<tr><th>Task</th><th>State</th><th>Duration</th><th>Tries</th></tr>
{{#each tasks}}<tr><td>{{ task_id }}</td><td>{{ state }}</td><td>{{ duration }}</td><td>{{ try_number }} of {{ max_tries }}</td></tr>
{{/each}}</table>
{{#each failed_tasks}}<h3>Task {{ task_id }} failed</h3>
{{#if exception}}<p>{{ exception }}</p>{{/if}}
<p>Last lines of its log{{#if log_path}} ({{ log_path }}){{/if}}:</p>
{{#if log_lines.length}}<pre>{{#each log_lines}}{{ this }}
{{/each}}</pre>{{else}}<p><em>{{ log_note }}</em></p>{{/if}}
{{/each}}<p>Status page: <a href="{{ status_url }}">{{ status_url }}</a></p>
`;

const handlebars = Handlebars.create();

/** Compiles a text template (no HTML escaping: for subjects). */
export function compileText<C>(source: string, name: string): Render<C> {
  check(source, name);
  return handlebars.compile(source, { noEscape: true }) as Render<C>;
}

/** Compiles an HTML template: every `{{ value }}` is HTML-escaped. */
export function compileHtml<C>(source: string, name: string): Render<C> {
  check(source, name);
  return handlebars.compile(source) as Render<C>;
}

function check(source: string, name: string): void {
  try {
    handlebars.parse(source);
  } catch (error) {
    throw new TemplateError(`${name} is not a valid handlebars template: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

export const DEFAULT_ALERT_TEMPLATES: AlertTemplates = {
  subject: compileText(DEFAULT_SUBJECT_TEMPLATE, "the built-in subject template"),
  html: compileHtml(DEFAULT_HTML_TEMPLATE, "the built-in HTML template"),
};

export const SUMMARY_TEMPLATES = {
  subject: compileText<RunSummaryContext>(SUMMARY_SUBJECT_TEMPLATE, "the run summary subject"),
  html: compileHtml<RunSummaryContext>(SUMMARY_HTML_TEMPLATE, "the run summary body"),
};

/**
 * Reads `[email] subject_template` and `html_content_template` files. A file that cannot be
 * read or compiled is reported in `problems` and the built-in template is used instead, so
 * a typo in a template never silences alerts.
 */
export async function loadAlertTemplates(paths: { subjectTemplate: string; htmlContentTemplate: string }): Promise<{
  templates: AlertTemplates;
  problems: string[];
}> {
  const problems: string[] = [];
  const load = async <T>(path: string, key: string, compile: (source: string) => T, fallback: T): Promise<T> => {
    if (path.trim() === "") return fallback;
    try {
      return compile(await readFile(path, "utf8"));
    } catch (error) {
      const reason = error instanceof TemplateError ? error.message : `cannot be read (${(error as Error).message})`;
      problems.push(`[email] ${key} = ${path}: ${reason}; using the built-in template instead`);
      return fallback;
    }
  };
  const subject = await load(
    paths.subjectTemplate,
    "subject_template",
    (source) => compileText<AlertTemplateContext>(source, paths.subjectTemplate),
    DEFAULT_ALERT_TEMPLATES.subject,
  );
  const html = await load(
    paths.htmlContentTemplate,
    "html_content_template",
    (source) => compileHtml<AlertTemplateContext>(source, paths.htmlContentTemplate),
    DEFAULT_ALERT_TEMPLATES.html,
  );
  return { templates: { subject, html }, problems };
}
