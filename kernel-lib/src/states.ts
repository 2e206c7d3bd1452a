/** Task instance states, with Airflow's names. `none` means "not yet considered". */
export const TASK_INSTANCE_STATES = [
  "none",
  "scheduled",
  "queued",
  "running",
  "success",
  "failed",
  "up_for_retry",
  "upstream_failed",
  "skipped",
  "removed",
] as const;
export type TaskInstanceState = (typeof TASK_INSTANCE_STATES)[number];

/** States a task instance never leaves on its own (only a clear brings it back). */
export const FINISHED_TASK_STATES: ReadonlySet<TaskInstanceState> = new Set([
  "success",
  "failed",
  "upstream_failed",
  "skipped",
  "removed",
]);

export function isFinished(state: TaskInstanceState): boolean {
  return FINISHED_TASK_STATES.has(state);
}

/** DAG run states, with Airflow's names. */
export const DAG_RUN_STATES = ["queued", "running", "success", "failed"] as const;
export type DagRunState = (typeof DAG_RUN_STATES)[number];

/** How a run came to exist, as Airflow's run types: it is also the run id's prefix. */
export type DagRunType = "scheduled" | "manual" | "backfill";
