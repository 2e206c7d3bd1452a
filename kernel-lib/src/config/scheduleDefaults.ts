/**
 * What a DAG that leaves `catchup`, `scheduleSemantics` or `maxActiveTasks` unset gets when it runs outside the
 * scheduler (dag.test(), `kitelab dags test`): the same airflow.cfg answers the scheduler uses,
 * so a notebook and the scheduler agree on data intervals.
 */
import { loadConfig } from "./index.js";
import type { Semantics } from "../timetable/index.js";

export interface ScheduleDefaults {
  catchup: boolean;
  semantics: Semantics;
  /** `[core] max_active_tasks_per_dag`: how many of a DAG's tasks run at once. */
  maxActiveTasks: number;
}

/** Airflow's defaults, used when the configuration cannot be read (its errors are reported where it is loaded). */
const AIRFLOW_DEFAULTS: ScheduleDefaults = { catchup: true, semantics: "airflow2", maxActiveTasks: 16 };

/** `[scheduler] catchup_by_default`, `create_cron_data_intervals` and `[core] max_active_tasks_per_dag` from the configuration `env` points at. */
export function configuredScheduleDefaults(env: NodeJS.ProcessEnv = process.env): ScheduleDefaults {
  const loaded = loadConfig({ env });
  if (!loaded.ok) return AIRFLOW_DEFAULTS;
  return {
    catchup: loaded.value.scheduler.catchupByDefault,
    semantics: loaded.value.scheduler.createCronDataIntervals ? "airflow2" : "airflow3",
    maxActiveTasks: loaded.value.core.maxActiveTasksPerDag,
  };
}
