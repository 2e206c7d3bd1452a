/**
 * Lab 2's requirements, checked by `kitelab check lab2` and by `await check("lab2")` in
 * notebooks/02-ml-pipeline.ipynb, against the student's dags/lab2_last_run.ts and
 * api/status_app.ts, and what the scheduler ran.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CheckContext, CheckOutcome, LabCheck } from "kitelab";

export const lab = "lab2";

const PIPELINE = "lab2_ml_pipeline";
const LAST_RUN_DAG = "lab2_last_run";
const APP_FILE = "api/status_app.ts";

function queryTaskOutcome(ctx: CheckContext): CheckOutcome {
  const runs = ctx.store.runs(LAST_RUN_DAG);
  if (runs.length === 0) return { passed: false, detail: `no run of ${LAST_RUN_DAG} in the store yet` };
  if (runs.some((run) => run.state === "success")) return { passed: true };
  const query = ctx.store.taskInstances(LAST_RUN_DAG, runs[0]!.runId).find((ti) => ti.taskId === "query_last_run");
  return {
    passed: false,
    detail: `in ${runs[0]!.runId}, query_last_run is ${query?.state ?? "missing"}${query?.error ? `: ${query.error.message}` : ""}`,
  };
}

/** A free loopback port. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on("error", reject);
  });
}

/**
 * Starts the student's app (`node --import tsx api/status_app.ts`) on a free port over a
 * last_run.json of our own, runs `probe`, and always stops it.
 */
async function withStatusApp(
  ctx: CheckContext,
  probe: (get: (path: string) => Promise<Response>, setState: (state: string) => void) => Promise<CheckOutcome>,
): Promise<CheckOutcome> {
  const file = ctx.labPath(APP_FILE);
  if (!ctx.exists(file)) return { passed: false, detail: `no file ${file}` };
  const dir = mkdtempSync(join(tmpdir(), "kitelab-lab2-check-"));
  const lastRun = join(dir, "last_run.json");
  const setState = (state: string) =>
    writeFileSync(lastRun, JSON.stringify({ dag_id: PIPELINE, dag_run_id: `manual__check_${state}`, state }));
  setState("success");
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), file], {
    env: { ...process.env, PORT: String(port), LAB2_LAST_RUN: lastRun },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    const base = `http://127.0.0.1:${port}`;
    const get = (path: string) => fetch(`${base}${path}`, { redirect: "manual" });
    let listening = false;
    for (let waited = 0; waited < 30_000 && child.exitCode === null; waited += 200) {
      if (
        await get("/health").then(
          () => true,
          () => false,
        )
      ) {
        listening = true;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (!listening)
      return {
        passed: false,
        detail: `the app did not answer on port ${port}: ${output.trim().slice(-500) || "no output"}`,
      };
    return await probe(get, setState);
  } finally {
    child.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

export const checks: LabCheck[] = [
  {
    id: "last_run_dag_succeeded",
    title: "Exercise 1: a run of lab2_last_run succeeded (its task asked the REST API)",
    hint: "Write query_last_run in dags/lab2_last_run.ts: fetch {base}/dags/lab2_ml_pipeline/dagRuns?order_by=-execution_date&limit=1 with restApi()'s headers; then trigger lab2_last_run again and read the task's log",
    run: async (ctx) => queryTaskOutcome(ctx),
  },
  {
    id: "last_run_recorded",
    title:
      "Exercise 1: last_run.json holds the pipeline's newest run (dag_id, dag_run_id, state) as the REST API gives it",
    hint: "Write { dag_id, dag_run_id, state } of dag_runs[0] to {{ params.work_dir }}/last_run.json; run lab2_last_run after the pipeline's last run",
    async run(ctx) {
      const file = ctx.workPath("lab2", "last_run.json");
      let recorded: { dag_id?: string; dag_run_id?: string; state?: string };
      try {
        recorded = JSON.parse(readFileSync(file, "utf8"));
      } catch (error) {
        return { passed: false, detail: `cannot read ${file}: ${(error as Error).message}` };
      }
      const [newest] = ctx.store.runs(PIPELINE);
      if (!newest) return { passed: false, detail: `${PIPELINE} has no run in the store` };
      if (recorded.dag_id === PIPELINE && recorded.dag_run_id === newest.runId && recorded.state === newest.state)
        return { passed: true };
      return {
        passed: false,
        detail: `last_run.json says ${JSON.stringify(recorded)}; the newest run of ${PIPELINE} is ${newest.runId} (${newest.state})`,
      };
    },
  },
  {
    id: "status_app_health",
    title: "Exercise 2: the status app (api/status_app.ts) answers GET /health with 200",
    hint: 'Add app.get("/health", (req, res) => res.json({ status: "ok" })) in createStatusApp',
    run: (ctx) =>
      withStatusApp(ctx, async (get) => {
        const response = await get("/health");
        return response.status === 200
          ? { passed: true }
          : { passed: false, detail: `GET /health answered ${response.status}` };
      }),
  },
  {
    id: "status_app_redirects",
    title:
      "Exercise 2: GET / redirects to /success or /failure as last_run.json's state says, and both pages answer 200",
    hint: 'In createStatusApp, read last_run.json on each request: res.redirect(302, state === "success" ? "/success" : "/failure"); add the two pages',
    run: (ctx) =>
      withStatusApp(ctx, async (get, setState) => {
        for (const [state, page] of [
          ["success", "/success"],
          ["failed", "/failure"],
        ] as const) {
          setState(state);
          const response = await get("/");
          const location = response.headers.get("location") ?? "";
          if (response.status < 300 || response.status >= 400 || !location.endsWith(page))
            return {
              passed: false,
              detail: `with state "${state}", GET / answered ${response.status}${location ? ` to ${location}` : ""}, not a redirect to ${page}`,
            };
          const target = await get(page);
          if (target.status !== 200) return { passed: false, detail: `GET ${page} answered ${target.status}` };
        }
        return { passed: true };
      }),
  },
];
