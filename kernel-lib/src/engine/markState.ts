import type { TaskInstanceRecord } from "../records.js";
import { isFinished, type TaskInstanceState } from "../states.js";

/**
 * What "mark as" does to task instances, as Airflow's `set_dag_run_state_to_*` and
 * `set_task_instance_state` do it. Pure: the scheduler applies the patches, and cancels the
 * attempts of instances that were queued or running.
 */

/** The states a person may give a DAG run (Airflow's `UpdateDagRunState`). */
export const MARKABLE_RUN_STATES = ["success", "failed", "queued"] as const;
export type MarkableRunState = (typeof MARKABLE_RUN_STATES)[number];

/** The states a person may give a task instance (Airflow's `UpdateTaskState`). */
export const MARKABLE_TASK_STATES = ["success", "failed", "skipped"] as const;
export type MarkableTaskState = (typeof MARKABLE_TASK_STATES)[number];

export interface MarkPatch {
  taskId: string;
  state: TaskInstanceState;
  endDate?: string;
  nextRetryAt?: undefined;
}

/**
 * Marking a run success marks every task instance not already successful as success;
 * failed fails the instances that are queued or running and skips the others not yet
 * finished; queued only changes the run (the scheduler picks it up again).
 */
export function patchesForRunState(
  instances: readonly TaskInstanceRecord[],
  state: MarkableRunState,
  now: Date,
): MarkPatch[] {
  const endDate = now.toISOString();
  if (state === "success") {
    return instances
      .filter((ti) => ti.state !== "success")
      .map((ti) => ({ taskId: ti.taskId, state: "success", endDate, nextRetryAt: undefined }));
  }
  if (state === "failed") {
    return instances
      .filter((ti) => !isFinished(ti.state))
      .map((ti) => ({
        taskId: ti.taskId,
        state: isActive(ti.state) ? "failed" : "skipped",
        endDate,
        nextRetryAt: undefined,
      }));
  }
  return [];
}

/** Marking task instances sets exactly those given that are not already in that state. */
export function patchesForTaskState(
  instances: readonly TaskInstanceRecord[],
  taskIds: ReadonlySet<string>,
  state: MarkableTaskState,
  now: Date,
): MarkPatch[] {
  const endDate = now.toISOString();
  return instances
    .filter((ti) => taskIds.has(ti.taskId) && ti.state !== state)
    .map((ti) => ({ taskId: ti.taskId, state, endDate, nextRetryAt: undefined }));
}

/** Instances whose attempt is queued on or running in a worker. */
export function isActive(state: TaskInstanceState): boolean {
  return state === "queued" || state === "running";
}
