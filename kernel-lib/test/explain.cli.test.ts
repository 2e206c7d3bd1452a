import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { previewSchedule } from "../src/timetable/index.js";
import { tempHome } from "./helpers/tempHome.js";
import { waitFor } from "./helpers/waitFor.js";
import { standaloneEnv } from "./helpers/standaloneEnv.js";

/**
 * The path a student takes: `kitelab standalone --clock manual@…`, then `kitelab dags
 * explain`, the DAG page's "Why isn't it running?", and `kitelab clock advance`.
 */
const BIN = fileURLToPath(new URL("../bin/kitelab.mjs", import.meta.url));

/**
 * HTTP on a fresh connection each time: the CLI calls in between leave a kept-alive socket
 * idle long enough for the server to close it under fetch's feet.
 */
function send(
  method: string,
  target: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: "application/json, text/html" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (token) headers.authorization = `Bearer ${token}`;
    const request = http.request(target, { method, agent: false, headers }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
    });
    request.on("error", reject);
    request.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function get(target: string): Promise<string> {
  return (await send("GET", target)).text;
}

function cli(home: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    env: standaloneEnv(home),
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("kitelab standalone --clock manual, dags explain and clock advance", () => {
  const home = tempHome("kitelab-explain-cli-");
  let child: ChildProcess;
  let output = "";
  let url: string;
  let token: string;

  before(async () => {
    home.writeDag(
      "later.ts",
      `import { DAG } from "kitelab";\nexport const dag = new DAG({ dagId: "later", schedule: "@daily", startDate: "2024-01-01", catchup: false, timezone: "America/New_York" });\ndag.task("report", async ({ ds }) => ds);\n`,
    );
    home.writeDag(
      "daily.ts",
      `import { DAG } from "kitelab";\nexport const dag = new DAG({ dagId: "daily", schedule: "@daily", startDate: "2024-01-10", timezone: "America/New_York" });\ndag.task("report", async ({ ds }) => ds);\n`,
    );
    home.writeDag(
      "sensing.ts",
      `import { DAG, FileSensor } from "kitelab";\nexport const dag = new DAG({ dagId: "sensing", schedule: null });\nconst wait = new FileSensor({ dag, taskId: "wait_for_drop", filepath: ${JSON.stringify(join(home.home, "never-there.csv"))}, pokeInterval: "1s", timeout: "10m" });\nwait.then(dag.task("load", async () => 1));\n`,
    );
    home.writeDag(
      "idle.ts",
      `import { DAG } from "kitelab";\nexport const dag = new DAG({ dagId: "idle", schedule: null, isPausedUponCreation: true });\ndag.task("t", async () => 1);\n`,
    );
    child = spawn(process.execPath, [BIN, "standalone", "--port", "0", "--clock", "manual@2024-01-10T12:00:00Z"], {
      env: standaloneEnv(home.home),
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    url = await waitFor("the status page URL", () => /Status page:\s+(\S+)/.exec(output)?.[1], 120_000);
    token = readFileSync(join(home.home, "api_token"), "utf8").trim();
  });

  after(async () => {
    if (child.exitCode !== null || child.signalCode !== null)
      console.error(`kitelab standalone ended early (${child.exitCode ?? child.signalCode}):\n${output}`);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    home.cleanup();
  });

  it("announces the teaching clock when it starts", () => {
    assert.match(output, /Clock:\s+manual: scheduler time moves only when you advance it/);
    assert.match(output, /scheduler time is now 2024-01-10T12:00:00.000Z/);
  });

  it("dags explain --json: the shape, with the paused DAG's reasons in blocking order", () => {
    const result = cli(home.home, "dags", "explain", "idle", "--json");
    assert.equal(result.code, 0, result.stderr);
    const explanation = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(explanation).sort(), ["blocked", "dagId", "nextRun", "reasons"]);
    assert.equal(explanation.dagId, "idle");
    assert.equal(explanation.blocked, true);
    assert.equal(explanation.nextRun, null);
    const reasons = explanation.reasons as Array<{ code: string; message: string }>;
    assert.deepEqual(
      reasons.map((reason) => reason.code),
      ["paused", "manual_only"],
    );
    for (const reason of reasons) assert.equal(typeof reason.message, "string");
  });

  it("dags explain in words: catchup skipped and not due yet, in the scheduler's time", async () => {
    await waitFor(
      "the latest run of 'later'",
      async () => {
        const body = JSON.parse(await get(`${url}api/v1/dags/later/dagRuns`)) as { dag_runs: Array<{ state: string }> };
        return body.dag_runs.some((run) => run.state === "success") ? true : undefined;
      },
      120_000,
    );
    const result = cli(home.home, "dags", "explain", "later");
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /later is not running, because:/);
    assert.match(
      result.stdout,
      /\[not_due_yet\] .*runs at 2024-01-11 05:00 UTC \(2024-01-11 00:00 -05:00 America\/New_York\), in 17 hours/,
    );
    assert.match(result.stdout, /\[catchup_skipped\] Catchup is off, so 8 intervals/);
    const asOf = JSON.parse(
      cli(home.home, "dags", "explain", "later", "--json", "--now", "2024-01-11T06:00:00Z").stdout,
    ) as { reasons: Array<{ code: string }> };
    assert.ok(!asOf.reasons.some((reason) => reason.code === "not_due_yet"), "--now moves the question's instant");
  });

  it('the DAG page answers "Why isn\'t it running?" and every page shows the clock', async () => {
    const page = await get(`${url}dags/idle`);
    assert.match(page, /Why isn(’|'|&#x27;)t it running\?/);
    assert.match(page, /data-reason="paused"/);
    assert.match(page, /data-reason="manual_only"/);
    for (const path of ["dags", "dags/later", "outbox"]) {
      const html = await get(`${url}${path}`);
      assert.match(html, /data-clock="manual"/, path);
      assert.match(html, /Scheduler time is <time datetime="2024-01-10T12:00:00.000Z">/, path);
    }
  });

  it("a task instance's page says why it is not running, and the DAG page marks each waiting task", async () => {
    const created = await send("POST", `${url}api/v1/dags/sensing/dagRuns`, { dag_run_id: "watch_1" }, token);
    assert.equal(created.status, 200);
    await waitFor(
      "the sensor to poke",
      async () => {
        const body = JSON.parse(await get(`${url}api/v1/dags/sensing/dagRuns/watch_1/taskInstances/wait_for_drop`)) as {
          state: string;
        };
        return body.state === "running" ? true : undefined;
      },
      120_000,
    );
    const sensorPage = await get(`${url}dags/sensing/runs/watch_1/tasks/wait_for_drop/log`);
    assert.match(sensorPage, /Why isn(’|'|&#x27;)t this task running\?/);
    assert.match(sensorPage, /data-reason="sensor_poking"/);
    const loadPage = await get(`${url}dags/sensing/runs/watch_1/tasks/load/log`);
    assert.match(loadPage, /data-reason="upstream_not_done"/);
    assert.match(loadPage, /waits for upstream wait_for_drop \(running\)/);
    const dagPage = await get(`${url}dags/sensing?run_id=watch_1`);
    assert.match(dagPage, /data-waiting="sensor_poking"/);
    assert.match(dagPage, /data-waiting="upstream_not_done"/);
    const text = cli(home.home, "dags", "explain", "sensing");
    assert.match(text.stdout, /sensing is running; what waits, and why:/);
    assert.equal(
      (JSON.parse(cli(home.home, "dags", "explain", "sensing", "--json").stdout) as { blocked: boolean }).blocked,
      false,
    );
  });

  it("POST /api/v1/clock needs the token and a duration", async () => {
    const anonymous = await send("POST", `${url}api/v1/clock`, { advance: "1d" });
    assert.equal(anonymous.status, 401);
    const bad = await send("POST", `${url}api/v1/clock`, { advance: "soon" }, token);
    assert.equal(bad.status, 400);
    assert.match((JSON.parse(bad.text) as { detail: string }).detail, /duration such as "30s"/);
  });

  it("clock advance 3d creates the runs schedule preview lists for the same span, and logs the move", async () => {
    const before = JSON.parse(await get(`${url}api/v1/dags/daily/dagRuns`)) as { total_entries: number };
    assert.equal(before.total_entries, 0, "nothing of 'daily' is due before the clock moves");
    const result = cli(home.home, "clock", "advance", "3d");
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Scheduler time 2024-01-13T12:00:00.000Z \(manual/);
    const expected = previewSchedule({
      schedule: "@daily",
      startDate: new Date("2024-01-10T00:00:00Z"),
      catchup: true,
      timezone: "America/New_York",
      now: new Date("2024-01-13T12:00:00Z"),
    });
    assert.ok(expected.ok);
    const wanted = expected.value.due.map((run) => [run.logicalDate.toISOString(), run.dataIntervalEnd.toISOString()]);
    assert.deepEqual(
      wanted.map(([logical]) => logical),
      ["2024-01-10T05:00:00.000Z", "2024-01-11T05:00:00.000Z", "2024-01-12T05:00:00.000Z"],
    );
    const created = await waitFor(
      "the runs of the three days",
      async () => {
        const body = JSON.parse(await get(`${url}api/v1/dags/daily/dagRuns?order_by=execution_date`)) as {
          dag_runs: Array<{ logical_date: string; data_interval_end: string }>;
        };
        const runs = body.dag_runs.map((run) => [
          new Date(run.logical_date).toISOString(),
          new Date(run.data_interval_end).toISOString(),
        ]);
        return runs.length >= wanted.length ? runs : undefined;
      },
      60_000,
    );
    assert.deepEqual(created, wanted);
    assert.match(output, /clock: advanced from 2024-01-10T12:00:00.000Z to 2024-01-13T12:00:00.000Z \(manual clock\)/);
  });

  it("once the scheduler is stopped, dags explain reads the store and says so first", async () => {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
    const explanation = await waitFor(
      "the heartbeat to go stale",
      () => {
        const answer = JSON.parse(cli(home.home, "dags", "explain", "idle", "--json").stdout) as {
          reasons: Array<{ code: string; message: string }>;
        };
        return answer.reasons[0]?.code === "no_scheduler" ? answer : undefined;
      },
      60_000,
      500,
    );
    assert.deepEqual(
      explanation.reasons.map((reason) => reason.code),
      ["no_scheduler", "paused", "manual_only"],
    );
    assert.match(explanation.reasons[0]!.message, /Start one with `kitelab standalone`/);
  });
});

describe("the clock is real unless asked for", () => {
  const home = tempHome("kitelab-real-clock-");

  after(() => home.cleanup());

  it("a bad --clock is refused with what to write", () => {
    const result = cli(home.home, "standalone", "--port", "0", "--clock", "fast");
    assert.equal(result.code, 1);
    assert.match(result.stderr, /--clock "fast" is not a clock; use real, accelerated:FACTOR/);
  });

  it("clock advance without a running scheduler says how to start one", () => {
    const result = cli(home.home, "clock", "advance", "1d");
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no scheduler is running/);
  });
});
