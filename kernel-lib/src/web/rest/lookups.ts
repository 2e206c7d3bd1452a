import type { DagRunRecord, TaskInstanceRecord } from "../../records.js";
import type { AppContext } from "../context.js";
import type { DagSummary } from "../ports.js";
import { HttpError, messageOf, statusOfError } from "../problems.js";
import { checkPathParam } from "../security.js";

/** The records a path names, or Airflow's 404 problem for the first one that does not exist. */

export function requireDag(context: AppContext, dagParam: unknown): DagSummary {
  const dagId = checkPathParam("DAG id", dagParam);
  const summary = context.deps.read.dag(dagId);
  if (!summary) throw new HttpError(404, `The DAG with dag_id: '${dagId}' was not found`, "DAG not found");
  return summary;
}

export function requireRun(context: AppContext, dagParam: unknown, runParam: unknown): DagRunRecord {
  const summary = requireDag(context, dagParam);
  const runId = checkPathParam("DAG run id", runParam);
  const run = context.deps.read.run(summary.dag.dagId, runId);
  if (!run)
    throw new HttpError(
      404,
      `DAGRun with DAG ID: '${summary.dag.dagId}' and DagRun ID: '${runId}' not found`,
      "DAGRun not found",
    );
  return run;
}

export function requireTaskInstance(context: AppContext, run: DagRunRecord, taskParam: unknown): TaskInstanceRecord {
  const taskId = checkPathParam("task id", taskParam);
  const ti = context.deps.read.taskInstances(run.dagId, run.runId).find((instance) => instance.taskId === taskId);
  if (!ti)
    throw new HttpError(
      404,
      `Task instance '${taskId}' not found in DAG run '${run.runId}'`,
      "Task instance not found",
    );
  return ti;
}

/** `dag_id` or `~` (every DAG), as Airflow's list routes accept it. */
export function dagOrAll(context: AppContext, dagParam: unknown): string | undefined {
  const dagId = checkPathParam("DAG id", dagParam);
  return dagId === "~" ? undefined : requireDag(context, dagId).dag.dagId;
}

/**
 * Calls the scheduler, turning its refusals into 400 (bad input), 404 (unknown) or 409
 * (conflicting state) with its message. Anything else goes on to the error handler as it
 * is: a 500 with a generic message, the details in the server's log.
 */
export async function control<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const status = statusOfError(error);
    if (status >= 500) throw error;
    throw new HttpError(status, messageOf(error));
  }
}

/** Every run of one DAG or all DAGs, oldest logical date first. */
export function allRuns(context: AppContext, dagId: string | undefined): DagRunRecord[] {
  const runs: DagRunRecord[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = context.deps.read.runs({ dagId, orderBy: "execution_date", limit: 500, offset });
    runs.push(...page.items);
    if (page.items.length < 500 || runs.length >= page.total) return runs;
  }
}

export function operatorsOf(summary: DagSummary | undefined): Map<string, string> {
  return new Map((summary?.dag.tasks ?? []).map((task) => [task.taskId, task.operator]));
}

export function importErrorFiles(context: AppContext): Set<string> {
  return new Set(context.deps.read.importErrors().map((error) => error.file));
}
