/**
 * Lab 2, exercise 1 (notebooks/02-ml-pipeline.ipynb): a second DAG that asks the scheduler's
 * REST API for the last run of lab2_ml_pipeline and records it for the status app (exercise 2).
 *
 * This file is yours. Write the task `query_last_run`:
 *   1. GET {base}/dags/lab2_ml_pipeline/dagRuns?order_by=-execution_date&limit=1 with the
 *      headers of restApi() (the newest run first: Airflow's REST API, /api/v1);
 *   2. take the first of `dag_runs` in the JSON answer;
 *   3. write {work_dir}/last_run.json as { "dag_id", "dag_run_id", "state" } (the API's own names);
 *   4. log it and return the state.
 * `kitelab check lab2` says what is met. A solution is in ../solutions/dags/lab2_last_run.ts.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { DAG } from "kitelab";

const home = process.env.KITELAB_HOME ?? join(homedir(), "kitelab");

export const dag = new DAG({
  dagId: "lab2_last_run",
  description: "Asks the REST API for the last run of lab2_ml_pipeline and records it in last_run.json",
  schedule: null,
  tags: ["lab2"],
  params: { pipeline: "lab2_ml_pipeline", work_dir: join(home, "labs", "lab2") },
});

/**
 * Where the REST API is and how to sign in: the URL the running scheduler announces in
 * $KITELAB_HOME/scheduler.json, and its API token as a bearer token (Airflow's API takes a
 * user and password, `auth=("airflow", "airflow")`).
 */
export function restApi(): { base: string; headers: Record<string, string> } {
  const { url } = JSON.parse(readFileSync(join(home, "scheduler.json"), "utf8")) as { url: string };
  const token = readFileSync(join(home, "api_token"), "utf8").trim();
  return {
    base: `${url.replace(/\/+$/, "")}/api/v1`,
    headers: { authorization: `Bearer ${token}`, accept: "application/json" },
  };
}

dag.task("query_last_run", async ({ params }) => {
  // TODO (exercise 1): fetch the last run of params.pipeline from the REST API (see restApi above),
  // write params.work_dir/last_run.json as { dag_id, dag_run_id, state }, log it and return the state.
  throw new Error(
    `query_last_run is not written yet (lab 2, exercise 1): ask ${restApi().base}/dags/${params.pipeline}/dagRuns for the last run`,
  );
});
