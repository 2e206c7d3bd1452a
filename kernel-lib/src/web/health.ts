import type { ReadModel } from "./ports.js";
import { airflowDate } from "./airflowShapes.js";

/** A store file set aside because it could not be read, as `/health` lists it. */
export interface DamagedFileReport {
  file: string;
  dag_id: string | null;
  run_id: string | null;
  reason: string;
  moved_to: string | null;
  restore: string;
}

/** Airflow 2's `/health` body, plus Kitelab's list of store files set aside and whether its executor can run tasks. */
export interface HealthReport {
  metadatabase: { status: "healthy" | "unhealthy"; damaged_files: DamagedFileReport[] };
  scheduler: { status: "healthy" | "unhealthy"; latest_scheduler_heartbeat: string | null };
  /** Unhealthy when the scheduler's latest heartbeat says its workers cannot start, with why. */
  executor: { status: "healthy" | "unhealthy"; problem: string | null };
  triggerer: { status: null; latest_triggerer_heartbeat: null };
  dag_processor: { status: null; latest_dag_processor_heartbeat: null };
}

/**
 * The scheduler is healthy when its latest heartbeat is at most `thresholdSeconds` old
 * (Airflow's `scheduler_health_check_threshold`); the store is healthy when it can be read.
 * `healthy` is false when either is not, which the routes answer with 503. A run file set
 * aside leaves the store healthy (everything else works) but is listed, with how to restore it.
 * An executor whose workers cannot start makes it unhealthy too: no task can run.
 */
export function healthOf(
  read: ReadModel,
  now: Date,
  thresholdSeconds: number,
): { report: HealthReport; healthy: boolean } {
  let heartbeat: ReturnType<ReadModel["latestHeartbeat"]>;
  let storeHealthy = true;
  let damaged: DamagedFileReport[] = [];
  try {
    heartbeat = read.latestHeartbeat();
    damaged = (read.damagedFiles?.() ?? []).map((file) => ({
      file: file.file,
      dag_id: file.dagId ?? null,
      run_id: file.runId ?? null,
      reason: file.reason,
      moved_to: file.movedTo ?? null,
      restore: file.restore,
    }));
  } catch {
    storeHealthy = false;
  }
  const at = heartbeat === undefined ? Number.NaN : new Date(heartbeat.at).getTime();
  const schedulerHealthy = Number.isFinite(at) && now.getTime() - at <= thresholdSeconds * 1000;
  // A problem reported by a scheduler that has since gone silent is no longer news.
  const executorProblem = schedulerHealthy ? heartbeat?.executorProblem : undefined;
  const report: HealthReport = {
    metadatabase: { status: storeHealthy ? "healthy" : "unhealthy", damaged_files: damaged },
    scheduler: {
      status: schedulerHealthy ? "healthy" : "unhealthy",
      latest_scheduler_heartbeat: airflowDate(heartbeat?.at),
    },
    executor: { status: executorProblem ? "unhealthy" : "healthy", problem: executorProblem ?? null },
    triggerer: { status: null, latest_triggerer_heartbeat: null },
    dag_processor: { status: null, latest_dag_processor_heartbeat: null },
  };
  return { report, healthy: storeHealthy && schedulerHealthy && executorProblem === undefined };
}
