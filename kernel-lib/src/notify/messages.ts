import type { OutgoingEmail } from "../dag/context.js";
import type { SerializedDag, SerializedTask } from "../dag/serialize.js";
import type { DagRunRecord, TaskInstanceRecord } from "../records.js";
import type { RunFinishedEvent, TaskFinishedEvent } from "../scheduler/events.js";
import { formatDuration } from "../util/duration.js";
import {
  DEFAULT_ALERT_TEMPLATES,
  SUMMARY_TEMPLATES,
  type AlertKind,
  type AlertTemplateContext,
  type AlertTemplates,
  type RunSummaryContext,
} from "./templates.js";
import { headerSafe, statusLink } from "./text.js";

/** One message as the notifier queues it; the transport adds the sender and date. */
export interface MailMessage extends OutgoingEmail {
  kind: "task-alert" | "run-summary" | "email-operator";
}

/** Which alert, if any, a finished attempt calls for, per the task's own flags. */
export function alertKindFor(
  state: string,
  task: Pick<SerializedTask, "emailOnFailure" | "emailOnRetry" | "emailOnSuccess">,
): AlertKind | undefined {
  if (state === "failed" && task.emailOnFailure) return "failure";
  if (state === "up_for_retry" && task.emailOnRetry) return "retry";
  if (state === "success" && task.emailOnSuccess) return "success";
  return undefined;
}

/** The template context of a task alert (see AlertTemplateContext). */
export function alertContext(event: TaskFinishedEvent, kind: AlertKind, statusPageUrl: string): AlertTemplateContext {
  const { dag, run, taskInstance: ti } = event;
  const error = event.error ?? ti.error;
  return {
    ti: `<TaskInstance: ${dag.dagId}.${ti.taskId} ${run.runId} [${event.state}]>`,
    alert: kind,
    dag_id: dag.dagId,
    task_id: ti.taskId,
    run_id: run.runId,
    state: event.state,
    try_number: ti.tryNumber,
    max_tries: ti.maxTries,
    logical_date: run.logicalDate,
    ds: run.logicalDate.slice(0, 10),
    exception: kind === "success" || !error ? "" : `${error.name}: ${error.message}`,
    log_url: statusLink(
      statusPageUrl,
      "dags",
      dag.dagId,
      "runs",
      run.runId,
      "tasks",
      ti.taskId,
      "logs",
      String(ti.tryNumber),
    ),
    hostname: ti.hostname ?? "",
    params: { ...dag.params, ...run.conf },
    conf: { ...run.conf },
  };
}

/**
 * The alert for a finished attempt, as Airflow sends it (`Kitelab alert: <TaskInstance: ...>`,
 * "Try N out of M", the exception, the log link, the host), or undefined when the task has
 * no `email` or the matching `emailOn*` flag is off. `problems` collects template failures.
 */
export function buildTaskAlert(
  event: TaskFinishedEvent,
  options: { statusPageUrl: string; templates?: AlertTemplates; problems?: string[] },
): MailMessage | undefined {
  const task = event.dag.tasks.find((candidate) => candidate.taskId === event.taskInstance.taskId);
  if (!task || task.email.length === 0) return undefined;
  const kind = alertKindFor(event.state, task);
  if (!kind) return undefined;
  const context = alertContext(event, kind, options.statusPageUrl);
  const templates = options.templates ?? DEFAULT_ALERT_TEMPLATES;
  const render = (part: "subject" | "html"): string => {
    try {
      return templates[part](context);
    } catch (error) {
      options.problems?.push(`the ${part} template failed (${(error as Error).message}); the built-in one was used`);
      return DEFAULT_ALERT_TEMPLATES[part](context);
    }
  };
  return {
    kind: "task-alert",
    to: [...task.email],
    cc: [],
    bcc: [],
    subject: headerSafe(render("subject")),
    html: render("html"),
    attachments: [],
  };
}

/** True when `runSummaryEmail.when` asks for a mail about a run that ended in `state`. */
export function wantsSummary(summary: SerializedDag["runSummaryEmail"], state: DagRunRecord["state"]): boolean {
  if (!summary || summary.to.length === 0) return false;
  if (state === "success") return summary.when !== "failure";
  if (state === "failed") return summary.when !== "success";
  return false;
}

/** The last log lines of a failed task, read by the caller (see readLogTail). */
export type LogTails = ReadonlyMap<string, { lines: string[]; note: string }>;

/** The template context of a run summary. */
export function summaryContext(event: RunFinishedEvent, statusPageUrl: string, logTails: LogTails): RunSummaryContext {
  const { dag, run } = event;
  const byTask = new Map(event.taskInstances.map((ti) => [ti.taskId, ti]));
  const ordered: TaskInstanceRecord[] = [
    ...dag.tasks.flatMap((task) => (byTask.has(task.taskId) ? [byTask.get(task.taskId)!] : [])),
    ...event.taskInstances.filter((ti) => !dag.tasks.some((task) => task.taskId === ti.taskId)),
  ];
  const succeeded = run.state === "success";
  return {
    dag_id: dag.dagId,
    run_id: run.runId,
    run_type: run.runType,
    state: run.state,
    outcome: succeeded ? "succeeded" : "failed",
    logical_date: run.logicalDate,
    start_date: run.startDate ?? "-",
    end_date: run.endDate ?? "-",
    duration:
      run.startDate && run.endDate
        ? formatDuration(Math.max(0, Date.parse(run.endDate) - Date.parse(run.startDate)))
        : "-",
    tasks: ordered.map((ti) => ({
      task_id: ti.taskId,
      state: ti.state,
      duration: ti.durationMs !== undefined ? formatDuration(ti.durationMs) : "-",
      try_number: ti.tryNumber,
      max_tries: ti.maxTries,
    })),
    failed_tasks: ordered
      .filter((ti) => ti.state === "failed")
      .map((ti) => ({
        task_id: ti.taskId,
        exception: ti.error ? `${ti.error.name}: ${ti.error.message}` : "",
        log_path: ti.logPath ?? "",
        log_lines: logTails.get(ti.taskId)?.lines ?? [],
        log_note: logTails.get(ti.taskId)?.note ?? "no log was recorded for this task",
      })),
    status_url: statusLink(statusPageUrl, succeeded ? "success" : "failure"),
  };
}

/** The run summary `runSummaryEmail` asks for, or undefined when this outcome is not wanted. */
export function buildRunSummary(
  event: RunFinishedEvent,
  options: { statusPageUrl: string; logTails?: LogTails },
): MailMessage | undefined {
  const summary = event.dag.runSummaryEmail;
  if (!summary || !wantsSummary(summary, event.run.state)) return undefined;
  const context = summaryContext(event, options.statusPageUrl, options.logTails ?? new Map());
  return {
    kind: "run-summary",
    to: [...summary.to],
    cc: [],
    bcc: [],
    subject: headerSafe(SUMMARY_TEMPLATES.subject(context)),
    html: SUMMARY_TEMPLATES.html(context),
    attachments: [],
  };
}
