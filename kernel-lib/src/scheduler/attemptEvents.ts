import { isActive } from "../engine/markState.js";
import { applyAttemptOutcome } from "../engine/runEngine.js";
import type { ExecutorEvent } from "../executor/protocol.js";
import type { DagRunRecord } from "../records.js";
import { attemptKeyString, type SchedulerCore, toPatch } from "./core.js";

/**
 * Records that an attempt's worker started it. An attempt this scheduler no longer runs (a
 * duplicate delivery, a try already recorded, one from before a restart) changes nothing.
 */
export function recordAttemptStarted(core: SchedulerCore, event: Extract<ExecutorEvent, { type: "started" }>): boolean {
  const { key } = event;
  if (!core.running.has(attemptKeyString(key))) return false;
  const marked = core.store.taskInstanceView(key.dagId, key.runId)[key.taskId];
  if (marked && (marked.tryNumber !== key.tryNumber || !isActive(marked.state))) return false;
  const at = core.wallNow();
  void core.store.updateTaskInstances(key.dagId, key.runId, [
    { taskId: key.taskId, state: "running", startDate: at.toISOString(), pid: event.pid, hostname: event.hostname },
  ]);
  core.afterCommit(() => core.events.emit("task-started", { ...key, at: at.getTime() }));
  return true;
}

/**
 * Records how an attempt ended (its XComs, its state through the engine's retry rules, its
 * duration) and tells the listeners. Returns the attempt's run when it changed, so the
 * caller can advance that run in the same turn.
 */
export function recordAttemptFinished(
  core: SchedulerCore,
  event: Extract<ExecutorEvent, { type: "finished" }>,
  now: Date,
): DagRunRecord | undefined {
  const { key, result } = event;
  if (!core.running.delete(attemptKeyString(key))) return undefined;
  const { store } = core;
  const run = store.getRun(key.dagId, key.runId);
  const entry = core.engineFor(key.dagId);
  if (!run || !entry) return undefined;
  const instances = store.taskInstanceView(key.dagId, key.runId);
  const current = store.taskInstance(key.dagId, key.runId, key.taskId);
  if (!current || current.tryNumber !== key.tryNumber) return undefined;
  // Someone marked it (success, failed, skipped) while it ran: their state stands, as in Airflow.
  if (!isActive(current.state)) return undefined;
  if (result.xcoms.length > 0) void store.setXComs(key.dagId, key.runId, key.taskId, result.xcoms);
  const changes = applyAttemptOutcome(entry.engine, instances, key.taskId, result.outcome, now, run.logicalDate);
  const startedAt = current.startDate ? Date.parse(current.startDate) : now.getTime();
  const patches = changes.map((change) =>
    change.taskId === key.taskId
      ? { ...toPatch(change), durationMs: now.getTime() - startedAt, error: result.error }
      : toPatch(change),
  );
  void store.updateTaskInstances(key.dagId, key.runId, patches);
  const updated = store.taskInstance(key.dagId, key.runId, key.taskId)!;
  core.afterCommit(() =>
    core.events.emit("task-finished", {
      dag: entry.dag,
      run,
      taskInstance: updated,
      state: updated.state,
      error: result.error,
    }),
  );
  return store.getRun(key.dagId, key.runId);
}
