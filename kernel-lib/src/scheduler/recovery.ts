import { applyAttemptOutcome } from "../engine/runEngine.js";
import { errorRecord, WorkerLostError } from "../errors.js";
import { type SchedulerCore, toPatch } from "./core.js";

/**
 * After a crash: task instances left queued or running have no worker any more. Each is
 * recorded as a failed attempt (WorkerLostError): up_for_retry if it has retries left, else failed.
 */
export function recoverOrphans(core: SchedulerCore, now: Date): void {
  const { store } = core;
  for (const run of store.activeRuns()) {
    const entry = core.engineFor(run.dagId);
    if (!entry) continue;
    const instances = store.taskInstances(run.dagId, run.runId);
    const snapshot = Object.fromEntries(instances.map((ti) => [ti.taskId, ti]));
    for (const ti of instances) {
      if (ti.state !== "running" && ti.state !== "queued") continue;
      if (!entry.engine.tasks.has(ti.taskId)) continue;
      const attemptedTry = Math.max(1, ti.tryNumber);
      const changes = applyAttemptOutcome(
        entry.engine,
        { ...snapshot, [ti.taskId]: { ...ti, tryNumber: attemptedTry } },
        ti.taskId,
        { kind: "failed" },
        now,
        run.logicalDate,
      );
      void store.updateTaskInstances(
        run.dagId,
        run.runId,
        changes.map((change) => ({
          ...toPatch(change),
          tryNumber: attemptedTry,
          error: errorRecord(
            WorkerLostError,
            "the scheduler stopped while this task ran (its worker is gone); recorded as a failed attempt",
          ),
        })),
      );
    }
  }
}
