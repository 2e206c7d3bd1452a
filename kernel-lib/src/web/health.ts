import type { ReadModel } from "./ports.js";
import { airflowDate } from "./airflowShapes.js";

/** Airflow 2's `/health` body. */
export interface HealthReport {
  metadatabase: { status: "healthy" | "unhealthy" };
  scheduler: { status: "healthy" | "unhealthy"; latest_scheduler_heartbeat: string | null };
  triggerer: { status: null; latest_triggerer_heartbeat: null };
  dag_processor: { status: null; latest_dag_processor_heartbeat: null };
}

/**
 * The scheduler is healthy when its latest heartbeat is at most `thresholdSeconds` old
 * (Airflow's `scheduler_health_check_threshold`); the store is healthy when it can be read.
 * `healthy` is false when either is not, which the routes answer with 503.
 */
export function healthOf(
  read: ReadModel,
  now: Date,
  thresholdSeconds: number,
): { report: HealthReport; healthy: boolean } {
  let heartbeat: ReturnType<ReadModel["latestHeartbeat"]>;
  let storeHealthy = true;
  try {
    heartbeat = read.latestHeartbeat();
  } catch {
    storeHealthy = false;
  }
  const at = heartbeat === undefined ? Number.NaN : new Date(heartbeat.at).getTime();
  const schedulerHealthy = Number.isFinite(at) && now.getTime() - at <= thresholdSeconds * 1000;
  const report: HealthReport = {
    metadatabase: { status: storeHealthy ? "healthy" : "unhealthy" },
    scheduler: {
      status: schedulerHealthy ? "healthy" : "unhealthy",
      latest_scheduler_heartbeat: airflowDate(heartbeat?.at),
    },
    triggerer: { status: null, latest_triggerer_heartbeat: null },
    dag_processor: { status: null, latest_dag_processor_heartbeat: null },
  };
  return { report, healthy: storeHealthy && schedulerHealthy };
}
