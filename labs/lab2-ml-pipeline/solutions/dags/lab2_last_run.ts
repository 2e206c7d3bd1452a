/**
 * A solution to lab 2, exercise 1 (copy it over ../../dags/lab2_last_run.ts to compare): a
 * second DAG that asks the scheduler's REST API for the last run of lab2_ml_pipeline and
 * records it in last_run.json for the status app.
 */
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
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

/** Where the REST API is and how to sign in (scheduler.json's URL, the API token). */
export function restApi(): { base: string; headers: Record<string, string> } {
  const { url } = JSON.parse(readFileSync(join(home, "scheduler.json"), "utf8")) as { url: string };
  const token = readFileSync(join(home, "api_token"), "utf8").trim();
  return {
    base: `${url.replace(/\/+$/, "")}/api/v1`,
    headers: { authorization: `Bearer ${token}`, accept: "application/json" },
  };
}

interface DagRunJson {
  dag_id: string;
  dag_run_id: string;
  state: string;
}

dag.task("query_last_run", async ({ params, log }) => {
  const { base, headers } = restApi();
  const url = `${base}/dags/${encodeURIComponent(String(params.pipeline))}/dagRuns?order_by=-execution_date&limit=1`;
  const response = await fetch(url, { headers });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
  const [last] = ((await response.json()) as { dag_runs: DagRunJson[] }).dag_runs;
  if (!last) throw new Error(`${params.pipeline} has no run yet: trigger it first`);
  const record = { dag_id: last.dag_id, dag_run_id: last.dag_run_id, state: last.state };
  await mkdir(String(params.work_dir), { recursive: true });
  await writeFile(join(String(params.work_dir), "last_run.json"), `${JSON.stringify(record, null, 2)}\n`);
  log.info(`The last run of ${record.dag_id} is ${record.dag_run_id}: ${record.state}`);
  return record.state;
});
