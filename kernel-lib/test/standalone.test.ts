import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempHome } from "./helpers/tempHome.js";
import { waitFor } from "./helpers/waitFor.js";
import { standaloneEnv } from "./helpers/standaloneEnv.js";

const BIN = fileURLToPath(new URL("../bin/kitelab.mjs", import.meta.url));

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
}

async function startStandalone(
  home: string,
  extraArgs: string[] = [],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<Started> {
  let output = "";
  const child = spawn(process.execPath, [BIN, "standalone", "--port", "0", ...extraArgs], {
    env: { ...standaloneEnv(home), ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const url = await waitFor("the status page URL", () => /Status page:\s+(\S+)/.exec(output)?.[1]);
  return { child, url, output: () => output };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

async function api(url: string, path: string, init: RequestInit & { token?: string } = {}) {
  const response = await fetch(`${url}api/v1${path}`, {
    ...init,
    headers: { "content-type": "application/json", ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function runFinished(url: string, dagId: string, runId: string): Promise<Record<string, unknown>> {
  return waitFor(`run ${runId} of ${dagId} to finish`, async () => {
    const { body } = await api(url, `/dags/${dagId}/dagRuns/${encodeURIComponent(runId)}`);
    return body.state === "success" || body.state === "failed" ? body : undefined;
  });
}

describe("kitelab standalone over HTTP", () => {
  const home = tempHome();
  let started: Started;
  let token: string;

  before(async () => {
    home.writeDag(
      "ok.ts",
      `import { DAG, BashOperator } from "kitelab";\nexport const dag = new DAG({ dagId: "ok_dag" });\nconst a = dag.task("extract", async () => [1, 2]);\na.then(new BashOperator({ dag, taskId: "report", bashCommand: "echo report {{ ds }}" }));\n`,
    );
    home.writeDag(
      "fail.ts",
      `import { DAG, TaskError } from "kitelab";\nexport const dag = new DAG({ dagId: "fail_dag" });\ndag.task("boom", async () => { throw new TaskError("the source is down"); });\n`,
    );
    started = await startStandalone(home.home);
    token = readFileSync(join(home.home, "api_token"), "utf8").trim();
  });

  after(async () => {
    started.child.kill("SIGKILL");
    home.cleanup();
  });

  it("writes the API token with mode 0600 and refuses changes without it", async () => {
    const { statSync } = await import("node:fs");
    assert.equal(statSync(join(home.home, "api_token")).mode & 0o777, 0o600);
    const refused = await api(started.url, "/dags/ok_dag/dagRuns", { method: "POST", body: "{}" });
    assert.equal(refused.status, 401);
    const wrong = await api(started.url, "/dags/ok_dag/dagRuns", {
      method: "POST",
      body: "{}",
      token: "not-the-token",
    });
    assert.ok(wrong.status === 401 || wrong.status === 403);
  });

  it("runs a DAG triggered through the API, and / redirects to /success", async () => {
    const created = await api(started.url, "/dags/ok_dag/dagRuns", {
      method: "POST",
      body: JSON.stringify({ conf: {} }),
      token,
    });
    assert.equal(created.status, 200);
    const run = await runFinished(started.url, "ok_dag", String(created.body.dag_run_id));
    assert.equal(run.state, "success");
    const latest = await api(started.url, "/dags/ok_dag/dagRuns?order_by=-execution_date&limit=1");
    assert.equal((latest.body.dag_runs as Array<{ dag_run_id: string }>)[0]!.dag_run_id, created.body.dag_run_id);
    const home = await fetch(`${started.url}?dag_id=ok_dag`, { redirect: "manual" });
    assert.equal(home.status, 302);
    assert.match(home.headers.get("location") ?? "", /\/success/);
  });

  it("a failed run sends / to /failure", async () => {
    const created = await api(started.url, "/dags/fail_dag/dagRuns", { method: "POST", body: "{}", token });
    const run = await runFinished(started.url, "fail_dag", String(created.body.dag_run_id));
    assert.equal(run.state, "failed");
    const home = await fetch(started.url, { redirect: "manual" });
    assert.match(home.headers.get("location") ?? "", /\/failure/);
    const page = await (await fetch(`${started.url}failure`)).text();
    assert.match(page, /fail_dag/);
    assert.match(page, /boom/);
  });

  it("is healthy while the scheduler beats, and stops cleanly on SIGTERM", async () => {
    const health = await fetch(`${started.url}health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { scheduler: { status: string } }).scheduler.status, "healthy");
    started.child.kill("SIGTERM");
    assert.equal(await exited(started.child), 0);
    assert.match(started.output(), /Stopped\./);
    assert.equal(existsSync(join(home.home, "scheduler.json")), false);
  });

  it("the read-only webserver reports the stopped scheduler as unhealthy (503)", async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn(process.execPath, [BIN, "webserver", "--port", String(port)], {
      env: standaloneEnv(home.home),
      stdio: "ignore",
    });
    try {
      const status = await waitFor(
        "a 503 from /health",
        async () => {
          try {
            const response = await fetch(`http://127.0.0.1:${port}/health`);
            return response.status === 503 ? response.status : undefined;
          } catch {
            return undefined;
          }
        },
        20_000,
      );
      assert.equal(status, 503);
    } finally {
      child.kill("SIGTERM");
      await exited(child);
    }
  });
});

describe("crash recovery: SIGKILL in the middle of a run", () => {
  const home = tempHome();

  after(() => home.cleanup());

  it("keeps finished tasks, retries the orphaned one, and completes the run after a restart", async () => {
    home.writeDag(
      "slow.ts",
      `import { DAG } from "kitelab";
export const dag = new DAG({ dagId: "slow_dag", defaultArgs: { retries: 1, retryDelay: "100ms" } });
const first = dag.task("first", async () => "done before the crash");
const slow = dag.task("slow", async ({ ti }) => { if (ti.tryNumber === 1) await new Promise((r) => setTimeout(r, 60_000)); return ti.tryNumber; });
const last = dag.task("last", async () => "after");
first.then(slow).then(last);
`,
    );
    const first = await startStandalone(home.home);
    const token = readFileSync(join(home.home, "api_token"), "utf8").trim();
    const created = await api(first.url, "/dags/slow_dag/dagRuns", { method: "POST", body: "{}", token });
    const runId = encodeURIComponent(String(created.body.dag_run_id));
    await waitFor("the slow task to run", async () => {
      const { body } = await api(first.url, `/dags/slow_dag/dagRuns/${runId}/taskInstances`);
      return (body.task_instances as Array<{ task_id: string; state: string }>).find(
        (ti) => ti.task_id === "slow" && ti.state === "running",
      );
    });
    first.child.kill("SIGKILL");
    await exited(first.child);

    const second = await startStandalone(home.home);
    try {
      assert.match(second.output(), /Status page/);
      const run = await runFinished(second.url, "slow_dag", String(created.body.dag_run_id));
      assert.equal(run.state, "success");
      const { body } = await api(second.url, `/dags/slow_dag/dagRuns/${runId}/taskInstances`);
      const byId = Object.fromEntries(
        (body.task_instances as Array<{ task_id: string; state: string; try_number: number }>).map((ti) => [
          ti.task_id,
          ti,
        ]),
      );
      assert.equal(byId.first!.state, "success");
      assert.equal(byId.first!.try_number, 1, "the task finished before the crash was not run again");
      assert.equal(byId.slow!.state, "success");
      assert.equal(byId.slow!.try_number, 2, "the orphaned attempt counted as a failed try");
      assert.equal(byId.last!.state, "success");
    } finally {
      second.child.kill("SIGTERM");
      await exited(second.child);
    }
  });
});

describe("the JupyterLab Launcher's scheduler and one a notebook started, on the same home", () => {
  it(
    "--take-over-notebook-scheduler stops the notebook's scheduler and serves in its place; scheduler.json follows",
    { timeout: 90_000 },
    async () => {
      const home = tempHome();
      try {
        const notebook = await startStandalone(home.home, [], { KITELAB_STARTED_BY: "notebook" });
        const endpoint = () =>
          JSON.parse(readFileSync(join(home.home, "scheduler.json"), "utf8")) as {
            pid: number;
            url: string;
            startedBy?: string;
          };
        assert.equal(endpoint().startedBy, "notebook");
        const launcher = await startStandalone(home.home, ["--take-over-notebook-scheduler"]);
        try {
          assert.equal(await exited(notebook.child), 0, "the notebook's scheduler stopped cleanly");
          assert.match(
            launcher.output(),
            /Stopping the scheduler a notebook started .*\(pid \d+\), so that this one serves JupyterLab/,
          );
          const current = await waitFor("scheduler.json to name the new scheduler", () =>
            endpoint().pid === launcher.child.pid ? endpoint() : undefined,
          );
          assert.equal(current.url, launcher.url);
          assert.equal(current.startedBy, undefined);
        } finally {
          launcher.child.kill("SIGTERM");
          await exited(launcher.child);
        }
      } finally {
        home.cleanup();
      }
    },
  );

  it(
    "a scheduler started any other way is left alone: the second one refuses the home, naming the first",
    { timeout: 60_000 },
    async () => {
      const home = tempHome();
      try {
        const terminal = await startStandalone(home.home);
        try {
          const refused = spawn(
            process.execPath,
            [BIN, "standalone", "--port", "0", "--take-over-notebook-scheduler"],
            { env: standaloneEnv(home.home), stdio: ["ignore", "pipe", "pipe"] },
          );
          let output = "";
          refused.stderr!.on("data", (chunk) => (output += chunk));
          assert.equal(await exited(refused), 1);
          assert.match(output, new RegExp(`a Kitelab scheduler \\(pid ${terminal.child.pid}\\) already runs for`));
          assert.equal(terminal.child.exitCode, null, "the first scheduler still runs");
        } finally {
          terminal.child.kill("SIGTERM");
          await exited(terminal.child);
        }
      } finally {
        home.cleanup();
      }
    },
  );
});
