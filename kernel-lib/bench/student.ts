/**
 * The steps a student waits for, timed from outside as they feel them: the scheduler's
 * start until the example DAGs are listed, a triggered run until it has succeeded, and
 * `kitelab dags test` of an example from the command line to its exit.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BIN, until } from "./standaloneProcess.js";

const EXAMPLE = fileURLToPath(new URL("../examples/example_bash_pipeline.ts", import.meta.url));

export interface StudentFigures {
  standaloneReadyMs: number;
  triggeredRunDoneMs: number;
  dagsTestMs: number;
}

export async function benchStudentSteps(): Promise<StudentFigures> {
  const home = mkdtempSync(join(tmpdir(), "kitelab-bench-student-"));
  const env = { ...process.env, KITELAB_HOME: home, KITELAB__CORE__DAGS_ARE_PAUSED_AT_CREATION: "False" };
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, "standalone", "--port", "0"], {
    env,
    stdio: ["ignore", "pipe", "ignore"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  try {
    const url = await until("the status page URL", async () => /Status page:\s+(\S+)/.exec(output)?.[1], 60_000);
    const token = readFileSync(join(home, "api_token"), "utf8").trim();
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${url}api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return (await response.json()) as Record<string, unknown>;
    };
    await until(
      "the example DAGs to be listed",
      async () => (((await call("GET", "/dags")).total_entries as number) >= 5 ? true : undefined),
      60_000,
    );
    const standaloneReadyMs = Date.now() - started;

    const triggered = Date.now();
    const run = await call("POST", "/dags/example_bash_pipeline/dagRuns", {});
    const runId = encodeURIComponent(String(run.dag_run_id));
    await until(
      "the triggered run to succeed",
      async () =>
        (await call("GET", `/dags/example_bash_pipeline/dagRuns/${runId}`)).state === "success" ? true : undefined,
      60_000,
    );
    const triggeredRunDoneMs = Date.now() - triggered;

    const testStarted = Date.now();
    const test = spawnSync(process.execPath, [BIN, "dags", "test", EXAMPLE, "2024-01-01"], {
      env: { ...env, KITELAB_HOME: join(home, "dags-test") },
      encoding: "utf8",
    });
    if (test.status !== 0) throw new Error(`bench: kitelab dags test failed:\n${test.stdout}${test.stderr}`);
    const dagsTestMs = Date.now() - testStarted;
    return { standaloneReadyMs, triggeredRunDoneMs, dagsTestMs };
  } finally {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
    rmSync(home, { recursive: true, force: true });
  }
}
