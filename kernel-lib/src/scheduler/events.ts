import type { SerializedDag } from "../dag/serialize.js";
import type { DagBagView } from "../dagbag/dagBag.js";
import type { DagRunRecord, TaskInstanceRecord } from "../records.js";
import type { AttemptResult } from "../runtime/attempt.js";

/** What the scheduler tells its listeners (the notifier, the web server's live view, tests). */
export interface TaskFinishedEvent {
  dag: SerializedDag;
  run: DagRunRecord;
  taskInstance: TaskInstanceRecord;
  /** success, failed, up_for_retry or skipped */
  state: TaskInstanceRecord["state"];
  error?: AttemptResult["error"];
}

export interface RunFinishedEvent {
  dag: SerializedDag;
  run: DagRunRecord;
  taskInstances: TaskInstanceRecord[];
}

export interface TaskStartedEvent {
  dagId: string;
  runId: string;
  taskId: string;
  tryNumber: number;
  /** Epoch milliseconds on the scheduler's wall time. */
  at: number;
}

export interface SchedulerEvents {
  "task-finished": [TaskFinishedEvent];
  "run-finished": [RunFinishedEvent];
  "dags-changed": [DagBagView];
  "task-started": [TaskStartedEvent];
}
