import type { IDag, IDagRun, ISchedulerProcess } from "../../src/api.js";
import type { IDagSummary, IKitelabSnapshot } from "../../src/model.js";

export function dag(dag_id: string, extra: Partial<IDag> = {}): IDag {
  return {
    dag_id,
    is_paused: false,
    is_active: true,
    description: null,
    schedule_interval: null,
    tags: [],
    next_dagrun: null,
    fileloc: `/home/ada/kitelab/dags/${dag_id}.ts`,
    ...extra,
  };
}

/** A run that started `hour` o'clock on 2024-03-01. */
export function run(dag_id: string, dag_run_id: string, state: IDagRun["state"], hour: number): IDagRun {
  const start = `2024-03-01T${String(hour).padStart(2, "0")}:00:00.000Z`;
  return {
    dag_id,
    dag_run_id,
    state,
    logical_date: start,
    execution_date: start,
    start_date: start,
    end_date: state === "success" || state === "failed" ? start.replace(":00:00.", ":05:00.") : null,
    data_interval_start: null,
    data_interval_end: null,
    run_type: "manual",
    conf: {},
  };
}

export function summary(dagId: string, runs: IDagRun[], extra: Partial<IDag> = {}): IDagSummary {
  return { dag: dag(dagId, extra), runs };
}

export function snapshot(dags: IDagSummary[], extra: Partial<IKitelabSnapshot> = {}): IKitelabSnapshot {
  return { scheduler: "healthy", heartbeat: null, dags, importErrors: [], error: null, ...extra };
}

export const running: ISchedulerProcess = { state: "running", started_at: 1 };
