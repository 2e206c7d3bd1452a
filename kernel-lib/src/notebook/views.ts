import { inspect } from "node:util";
import { formatTable, type Column } from "../util/table.js";
import { STATE_STYLES } from "../graph/palette.js";
import type { TaskInstanceState } from "../states.js";
import { formatDuration } from "../util/duration.js";
import type { DagInfo, DagRunInfo, ImportErrorInfo, TaskInstanceInfo, TaskLog } from "./apiRecords.js";
import { escapeHtml, htmlTable, PAUSE_MARK } from "./display.js";

/**
 * How the notebook client shows what the scheduler answered: a compact HTML table for
 * the notebook, the same rows as text for a terminal. Pure functions of the records.
 */
export interface View {
  html: string;
  text: string;
}

/** A column of both renderings: `html` (already escaped) defaults to the escaped text. */
interface ViewColumn<Row> {
  header: string;
  text: (row: Row) => string;
  html?: (row: Row) => string;
}

function table<Row>(rows: readonly Row[], columns: readonly ViewColumn<Row>[], caption?: string): View {
  const captionHtml = caption ? `<div style="font-size:13px;margin:2px 0 4px">${caption}</div>` : "";
  const captionText = caption ? `${stripTags(caption)}\n` : "";
  if (rows.length === 0)
    return { html: `${captionHtml}<div style="font-size:13px"><em>(none)</em></div>`, text: `${captionText}(none)` };
  const html = htmlTable(
    columns.map((column) => column.header),
    rows.map((row) => columns.map((column) => (column.html ? column.html(row) : escapeHtml(column.text(row))))),
    { rawColumns: columns.map((_, index) => index) },
  );
  const textColumns: Column<Row>[] = columns.map((column) => ({ header: column.header, value: column.text }));
  return { html: `${captionHtml}${html}`, text: `${captionText}${formatTable(rows, textColumns)}` };
}

/** A state as a coloured badge, in Airflow's colours. */
export function stateBadge(state: string): string {
  const style = STATE_STYLES[state as TaskInstanceState] ?? STATE_STYLES.none;
  return `<span style="background:${style.fill};color:${style.text};border:1px solid ${style.stroke};border-radius:8px;padding:0 7px;white-space:nowrap">${escapeHtml(state)}</span>`;
}

/** `2024-01-01T06:00:00+00:00` → `2024-01-01 06:00:00` (UTC). */
export function shortDate(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, "");
}

function durationBetween(start: string | null, end: string | null): string {
  if (!start || !end) return "";
  const ms = Date.parse(end) - Date.parse(start);
  return Number.isFinite(ms) && ms >= 0 ? formatDuration(ms) : "";
}

/** Identifiers and paths stay on one line: a run id broken at its dashes reads as two values. */
function code(text: string): string {
  return `<code style="white-space:nowrap">${escapeHtml(text)}</code>`;
}

function stripTags(html: string): string {
  return html
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

export function dagsView(dags: readonly DagInfo[]): View {
  return table(
    dags,
    [
      { header: "DAG", text: (dag) => dag.dagId, html: (dag) => `<strong>${escapeHtml(dag.dagId)}</strong>` },
      { header: "schedule", text: (dag) => dag.schedule ?? "None (manual)" },
      {
        header: "paused",
        text: (dag) => (dag.isPaused ? "paused" : "active"),
        html: (dag) => (dag.isPaused ? `${PAUSE_MARK} paused` : "▶ active"),
      },
      { header: "next run (UTC)", text: (dag) => shortDate(dag.nextRun) },
      { header: "tags", text: (dag) => dag.tags.join(", ") },
      {
        header: "file",
        text: (dag) => dag.fileloc,
        html: (dag) => `<code style="font-size:11px">${escapeHtml(dag.fileloc)}</code>`,
      },
    ],
    `${dags.length} DAG(s)`,
  );
}

export function runsView(runs: readonly DagRunInfo[], caption?: string): View {
  return table(
    runs,
    [
      { header: "run id", text: (run) => run.runId, html: (run) => code(run.runId) },
      { header: "type", text: (run) => run.runType },
      { header: "state", text: (run) => run.state, html: (run) => stateBadge(run.state) },
      { header: "logical date (UTC)", text: (run) => shortDate(run.logicalDate) },
      {
        header: "data interval (UTC)",
        text: (run) =>
          run.dataIntervalStart ? `${shortDate(run.dataIntervalStart)} → ${shortDate(run.dataIntervalEnd)}` : "",
      },
      { header: "started (UTC)", text: (run) => shortDate(run.startDate) },
      { header: "duration", text: (run) => durationBetween(run.startDate, run.endDate) },
    ],
    caption,
  );
}

export function taskInstancesView(instances: readonly TaskInstanceInfo[], run?: DagRunInfo): View {
  const caption = run
    ? `Run ${code(run.runId)} of <strong>${escapeHtml(run.dagId)}</strong>: ${stateBadge(run.state)}`
    : undefined;
  return table(
    instances,
    [
      { header: "task", text: (ti) => ti.taskId, html: (ti) => `<strong>${escapeHtml(ti.taskId)}</strong>` },
      { header: "state", text: (ti) => ti.state, html: (ti) => stateBadge(ti.state) },
      { header: "try", text: (ti) => (ti.tryNumber > 0 ? String(ti.tryNumber) : "") },
      {
        header: "duration",
        text: (ti) => (ti.durationSeconds === null ? "" : formatDuration(ti.durationSeconds * 1000)),
      },
      { header: "operator", text: (ti) => ti.operator ?? "" },
      { header: "started (UTC)", text: (ti) => shortDate(ti.startDate) },
    ],
    caption,
  );
}

export function importErrorsView(errors: readonly ImportErrorInfo[]): View {
  if (errors.length === 0)
    return {
      html: `<div style="font-size:13px">No import errors: every DAG file loaded.</div>`,
      text: "No import errors: every DAG file loaded.",
    };
  return table(
    errors,
    [
      { header: "file", text: (error) => error.file, html: (error) => code(error.file) },
      {
        header: "error",
        text: (error) => importErrorText(error),
        html: (error) =>
          `<pre style="margin:0;white-space:pre-wrap;font-size:12px">${escapeHtml(importErrorText(error))}</pre>`,
      },
      { header: "when (UTC)", text: (error) => shortDate(error.timestamp) },
    ],
    `${errors.length} DAG file(s) failed to import`,
  );
}

/** The error's message and the stack line in the DAG file itself; Kitelab's and Node's own frames left out. */
function importErrorText(error: ImportErrorInfo): string {
  const lines = error.message.trimEnd().split("\n");
  const firstFrame = lines.findIndex((line) => /^\s+at /.test(line));
  if (firstFrame < 0) return firstLines(error.message, 6);
  const name = error.file.split(/[\\/]/).pop() ?? error.file;
  const own = lines.slice(firstFrame).find((line) => line.includes(error.file) || line.includes(`/${name}:`));
  return firstLines([...lines.slice(0, firstFrame), ...(own ? [own] : [])].join("\n"), 6);
}

export function logView(log: TaskLog): View {
  const heading = `Log of ${code(log.taskId)}, try ${log.tryNumber}, run ${code(log.runId)} of <strong>${escapeHtml(log.dagId)}</strong>`;
  const content = log.content.trim() === "" ? "(the log is empty)" : log.content.replace(/\s+$/, "");
  return {
    html: `<div style="font-size:13px">${heading}</div><pre style="max-height:24em;overflow:auto;background:#f6f8fa;padding:6px;font-size:12px;margin:2px 0">${escapeHtml(content)}</pre>`,
    text: `${stripTags(heading)}\n${content}`,
  };
}

/** One sentence, with `code`-quoted parts already escaped by the caller. */
export function noteView(html: string): View {
  return { html: `<div style="font-size:13px">${html}</div>`, text: stripTags(html) };
}

function firstLines(text: string, count: number): string {
  const lines = text.trimEnd().split("\n");
  return lines.length <= count
    ? lines.join("\n")
    : `${lines.slice(0, count).join("\n")}\n  … ${lines.length - count} more line(s)`;
}

/**
 * Gives a result a one-line form for `console.log` and tslab's display of a cell's last
 * value, so the table shown above is not followed by the same data as JSON.
 */
export function summarized<T extends object>(value: T, summary: string): T {
  Object.defineProperty(value, inspect.custom, { value: () => summary, enumerable: false, configurable: true });
  return value;
}
