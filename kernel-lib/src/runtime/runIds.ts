import type { DagRunType } from "../states.js";

/** Airflow's run id form: `manual__2024-01-01T00:00:00+00:00`. */
export function runIdFor(runType: DagRunType, logicalDate: Date): string {
  return `${runType}__${logicalDate.toISOString().replace(/\.\d{3}Z$/, "+00:00").replace(/Z$/, "+00:00")}`;
}

export function manualRunId(logicalDate: Date): string {
  return runIdFor("manual", logicalDate);
}
