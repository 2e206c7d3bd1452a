import type { DagRunType } from "../states.js";
import { isoWithOffset } from "../templating/context.js";

/**
 * Airflow's run id form: `manual__2024-01-01T00:00:00+00:00`, with the fraction of a second
 * as Airflow prints it when there is one (`manual__2024-01-01T12:00:05.123000+00:00`), so two
 * triggers in the same second get two runs.
 */
export function runIdFor(runType: DagRunType, logicalDate: Date): string {
  return `${runType}__${isoWithOffset(logicalDate)}`;
}

export function manualRunId(logicalDate: Date): string {
  return runIdFor("manual", logicalDate);
}
