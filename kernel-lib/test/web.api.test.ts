import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ConflictError, NotFoundError, ValidationError } from "../src/errors.js";
import { FakeKitelab, serializedDag, startWebApp } from "./helpers/webFakes.js";

const TOKEN = "s3cret-token";
const auth = { Authorization: `Bearer ${TOKEN}` };

function world(): FakeKitelab {
  const fake = new FakeKitelab();
  fake.heartbeat = { at: fake.clock.toISOString(), pid: 1, hostname: "h" };
  fake.addDag(
    serializedDag("etl", [{ taskId: "extract" }, { taskId: "load", upstream: ["extract"] }], {
      tags: ["lab1"],
      description: "ETL",
    }),
    {
      nextRunAfter: "2024-03-02T00:00:00.000Z",
      nextLogicalDate: "2024-03-01T00:00:00.000Z",
    },
  );
  fake.addDag(serializedDag("paused_one", [{ taskId: "t" }]), { isPaused: true });
  for (let day = 1; day <= 30; day += 1) {
    const logicalDate = `2024-01-${String(day).padStart(2, "0")}T00:00:00.000Z`;
    fake.addRun(
      "etl",
      { state: day % 10 === 0 ? "failed" : "success", logicalDate },
      day % 10 === 0 ? { extract: "success", load: "failed" } : {},
    );
  }
  fake.addRun(
    "etl",
    { state: "running", logicalDate: "2024-02-01T00:00:00.000Z", startDate: "2024-02-02T00:00:00.000Z" },
    { extract: "running", load: "none" },
  );
  return fake;
}

describe("the Airflow-compatible JSON API", () => {
  let app: Awaited<ReturnType<typeof startWebApp>>;
  const get = (path: string, headers: Record<string, string> = {}) => fetch(app.url + path, { headers });
  const send = (method: string, path: string, body: unknown, headers: Record<string, string> = auth) =>
    fetch(app.url + path, {
      method,
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  before(async () => {
    app = await startWebApp({ world: world() });
  });
  after(() => app.close());

  describe("GET /api/v1/dags", () => {
    it("lists DAGs with Airflow's field names and total_entries", async () => {
      const response = await get("/api/v1/dags");
      assert.equal(response.status, 200);
      const body = (await response.json()) as any;
      assert.equal(body.total_entries, 2);
      const etl = body.dags.find((dag: { dag_id: string }) => dag.dag_id === "etl");
      assert.equal(etl.is_paused, false);
      assert.equal(etl.is_active, true);
      assert.deepEqual(etl.tags, [{ name: "lab1" }]);
      assert.deepEqual(etl.schedule_interval, { __type: "CronExpression", value: "@daily" });
      assert.equal(etl.next_dagrun, "2024-03-01T00:00:00+00:00");
      assert.equal(etl.next_dagrun_create_after, "2024-03-02T00:00:00+00:00");
      assert.equal(etl.description, "ETL");
      assert.equal(etl.fileloc, "/dags/etl.ts");
      for (const field of ["owners", "max_active_runs", "max_active_tasks", "has_import_errors", "default_view"])
        assert.ok(field in etl, field);
    });

    it("filters by paused and dag_id_pattern and pages with limit and offset", async () => {
      assert.deepEqual(
        ((await (await get("/api/v1/dags?paused=true")).json()) as any).dags.map(
          (dag: { dag_id: string }) => dag.dag_id,
        ),
        ["paused_one"],
      );
      assert.deepEqual(
        ((await (await get("/api/v1/dags?dag_id_pattern=et")).json()) as any).dags.map(
          (dag: { dag_id: string }) => dag.dag_id,
        ),
        ["etl"],
      );
      const page = (await (await get("/api/v1/dags?limit=1&offset=1")).json()) as any;
      assert.equal(page.total_entries, 2);
      assert.deepEqual(
        page.dags.map((dag: { dag_id: string }) => dag.dag_id),
        ["paused_one"],
      );
    });

    it("refuses a limit that is not a positive integer with a 400 problem", async () => {
      const response = await get("/api/v1/dags?limit=-3");
      assert.equal(response.status, 400);
      assert.match(response.headers.get("content-type") ?? "", /application\/problem\+json/);
      const problem = (await response.json()) as any;
      assert.equal(problem.status, 400);
      assert.equal(problem.title, "Bad Request");
      assert.match(problem.detail, /limit/);
      assert.match(problem.type, /^https:\/\/airflow\.apache\.org\//);
    });
  });

  describe("GET and PATCH /api/v1/dags/{dag_id}", () => {
    it("returns one DAG, and a 404 problem for an unknown one", async () => {
      assert.equal(((await (await get("/api/v1/dags/etl")).json()) as any).dag_id, "etl");
      const missing = await get("/api/v1/dags/nope");
      assert.equal(missing.status, 404);
      const problem = (await missing.json()) as any;
      assert.deepEqual(Object.keys(problem).sort(), ["detail", "status", "title", "type"]);
      assert.equal(problem.title, "DAG not found");
    });

    it("pauses and unpauses with is_paused", async () => {
      const response = await send("PATCH", "/api/v1/dags/etl?update_mask=is_paused", { is_paused: true });
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as any).is_paused, true);
      assert.deepEqual(app.world.calls.setPaused.at(-1), { dagId: "etl", paused: true });
      await send("PATCH", "/api/v1/dags/etl", { is_paused: false });
      assert.equal(app.world.dag("etl")?.isPaused, false);
    });

    it("refuses a body without a boolean is_paused", async () => {
      const response = await send("PATCH", "/api/v1/dags/etl", { is_paused: "yes" });
      assert.equal(response.status, 400);
      assert.match(((await response.json()) as any).detail, /is_paused/);
    });

    it("serves details with doc_md and params, and the task list", async () => {
      const details = (await (await get("/api/v1/dags/etl/details")).json()) as any;
      assert.equal(details.timezone, "UTC");
      assert.deepEqual(details.params, {});
      const tasks = (await (await get("/api/v1/dags/etl/tasks")).json()) as any;
      assert.deepEqual(
        tasks.tasks.map((task: { task_id: string }) => task.task_id),
        ["extract", "load"],
      );
      assert.deepEqual(tasks.tasks[0].downstream_task_ids, ["load"]);
    });
  });

  describe("GET /api/v1/dags/{dag_id}/dagRuns", () => {
    it("answers the status checker's query (order_by=-execution_date&limit=1) with the newest run", async () => {
      const body = (await (await get("/api/v1/dags/etl/dagRuns?order_by=-execution_date&limit=1")).json()) as any;
      assert.equal(body.total_entries, 31);
      assert.equal(body.dag_runs.length, 1);
      const run = body.dag_runs[0];
      assert.equal(run.logical_date, "2024-02-01T00:00:00+00:00");
      assert.equal(run.execution_date, run.logical_date);
      assert.equal(run.state, "running");
      for (const field of [
        "dag_run_id",
        "dag_id",
        "data_interval_start",
        "data_interval_end",
        "start_date",
        "end_date",
        "run_type",
        "conf",
        "external_trigger",
      ]) {
        assert.ok(field in run, field);
      }
    });

    it("orders oldest first by default, pages with offset, and filters by repeated state", async () => {
      const first = (await (await get("/api/v1/dags/etl/dagRuns?limit=2&offset=1")).json()) as any;
      assert.deepEqual(
        first.dag_runs.map((run: { logical_date: string }) => run.logical_date),
        ["2024-01-02T00:00:00+00:00", "2024-01-03T00:00:00+00:00"],
      );
      const byState = (await (await get("/api/v1/dags/etl/dagRuns?state=failed&state=running")).json()) as any;
      assert.equal(byState.total_entries, 4);
      assert.ok(byState.dag_runs.every((run: { state: string }) => run.state === "failed" || run.state === "running"));
    });

    it("caps limit at 100 as Airflow does", async () => {
      const body = (await (await get("/api/v1/dags/~/dagRuns?limit=5000")).json()) as any;
      assert.ok(body.dag_runs.length <= 100);
    });

    it("refuses an unknown order_by or state with a 400 problem", async () => {
      assert.equal((await get("/api/v1/dags/etl/dagRuns?order_by=-color")).status, 400);
      assert.equal((await get("/api/v1/dags/etl/dagRuns?state=bogus")).status, 400);
    });

    it("returns one run, and a 404 for an unknown run id", async () => {
      const runs = (await (await get("/api/v1/dags/etl/dagRuns?limit=1")).json()) as any;
      const id = runs.dag_runs[0].dag_run_id;
      const run = (await (await get(`/api/v1/dags/etl/dagRuns/${encodeURIComponent(id)}`)).json()) as any;
      assert.equal(run.dag_run_id, id);
      assert.equal((await get("/api/v1/dags/etl/dagRuns/nope")).status, 404);
    });
  });

  describe("POST /api/v1/dags/{dag_id}/dagRuns", () => {
    it("triggers a run with conf, logical_date and dag_run_id", async () => {
      const response = await send("POST", "/api/v1/dags/etl/dagRuns", {
        conf: { n: 3 },
        logical_date: "2025-01-01T00:00:00+00:00",
        dag_run_id: "my_run",
      });
      assert.equal(response.status, 200);
      const run = (await response.json()) as any;
      assert.equal(run.dag_run_id, "my_run");
      assert.deepEqual(run.conf, { n: 3 });
      assert.equal(run.logical_date, "2025-01-01T00:00:00+00:00");
      assert.equal(run.external_trigger, true);
      const call = app.world.calls.trigger.at(-1) as { logicalDate: Date };
      assert.equal(call.logicalDate.toISOString(), "2025-01-01T00:00:00.000Z");
    });

    it("answers 409 for a dag_run_id that exists", async () => {
      const response = await send("POST", "/api/v1/dags/etl/dagRuns", { dag_run_id: "my_run" });
      assert.equal(response.status, 409);
      assert.match(((await response.json()) as any).detail, /already exists/);
    });

    it("refuses conf that is not an object and a logical_date without a time zone", async () => {
      assert.equal((await send("POST", "/api/v1/dags/etl/dagRuns", { conf: [1] })).status, 400);
      assert.equal((await send("POST", "/api/v1/dags/etl/dagRuns", { logical_date: "2025-01-01" })).status, 400);
    });

    it("maps the scheduler's refusals by kind: bad input 400, unknown 404, conflicting state 409", async () => {
      for (const [error, status] of [
        [new ValidationError("Expected `conf.n` to be a number"), 400],
        [new NotFoundError("no DAG 'etl'; known DAGs: other"), 404],
        [new ConflictError("DAG 'etl' already has a run 'manual__x'"), 409],
      ] as const) {
        app.world.failNext = error;
        const response = await send("POST", "/api/v1/dags/etl/dagRuns", {});
        assert.equal(response.status, status, error.name);
        assert.equal(((await response.json()) as any).detail, error.message);
      }
    });

    it("answers 404 when the scheduler does not know a DAG the store still lists (an unknown DAG on trigger)", async () => {
      app.world.failNext = new NotFoundError("no DAG 'etl'");
      const response = await send("POST", "/api/v1/dags/etl/dagRuns", {});
      assert.equal(response.status, 404);
      assert.equal(((await response.json()) as any).title, "Not Found");
    });

    it("answers an internal failure 500 with a generic message, and logs the details", async () => {
      const logged: unknown[] = [];
      const own = await startWebApp({ world: world(), onError: (error) => logged.push(error) });
      try {
        own.world.failNext = new TypeError("Cannot read properties of undefined (reading 'tasks')");
        const response = await fetch(`${own.url}/api/v1/dags/etl/dagRuns`, {
          method: "POST",
          headers: { ...auth, "Content-Type": "application/json" },
          body: "{}",
        });
        assert.equal(response.status, 500);
        const body = (await response.json()) as any;
        assert.doesNotMatch(JSON.stringify(body), /Cannot read|tasks/);
        assert.match(body.detail, /Something went wrong on the Kitelab server/);
        assert.equal(logged.length, 1);
        assert.match(String(logged[0]), /Cannot read properties of undefined/);
      } finally {
        await own.close();
      }
    });

    it("refuses a body that is not JSON with 415", async () => {
      const response = await fetch(`${app.url}/api/v1/dags/etl/dagRuns`, {
        method: "POST",
        headers: { ...auth, "Content-Type": "text/plain" },
        body: "conf=1",
      });
      assert.equal(response.status, 415);
    });
  });

  describe("task instances and logs", () => {
    const failedRun = "scheduled__2024-01-10T00:00:00+00:00";
    const base = `/api/v1/dags/etl/dagRuns/${encodeURIComponent(failedRun)}/taskInstances`;

    it("lists task instances with Airflow's fields; duration in seconds", async () => {
      const body = (await (await get(base)).json()) as any;
      assert.equal(body.total_entries, 2);
      const load = body.task_instances.find((ti: { task_id: string }) => ti.task_id === "load");
      assert.equal(load.state, "failed");
      assert.equal(load.try_number, 1);
      assert.equal(load.duration, 2.5);
      assert.equal(load.dag_run_id, failedRun);
      assert.equal(load.execution_date, "2024-01-10T00:00:00+00:00");
      assert.equal(load.hostname, "localhost");
      assert.equal(load.pid, 1234);
      assert.equal(load.pool, "default_pool");
      assert.equal(load.max_tries, 0);
      assert.equal(load.operator, "PythonOperator");
    });

    it("shows a task not yet considered with state null, as Airflow does", async () => {
      const running = "scheduled__2024-02-01T00:00:00+00:00";
      const body = (await (
        await get(`/api/v1/dags/etl/dagRuns/${encodeURIComponent(running)}/taskInstances`)
      ).json()) as any;
      assert.equal(body.task_instances.find((ti: { task_id: string }) => ti.task_id === "load").state, null);
    });

    it("serves a log as text/plain, or as {content, continuation_token} when JSON is asked for", async () => {
      app.writeLog("etl", failedRun, "load", 1, "line one\nline two\n");
      const text = await get(`${base}/load/logs/1`);
      assert.match(text.headers.get("content-type") ?? "", /^text\/plain/);
      assert.equal(await text.text(), "line one\nline two\n");
      const json = (await (await get(`${base}/load/logs/1`, { Accept: "application/json" })).json()) as any;
      assert.equal(json.content, "line one\nline two\n");
      assert.equal(typeof json.continuation_token, "string");
      app.writeLog("etl", failedRun, "load", 1, "line one\nline two\nline three\n");
      const next = (await (
        await get(`${base}/load/logs/1?token=${json.continuation_token}`, { Accept: "application/json" })
      ).json()) as any;
      assert.equal(next.content, "line three\n");
      const full = await (await get(`${base}/load/logs/1?token=${json.continuation_token}&full_content=true`)).text();
      assert.equal(full, "line one\nline two\nline three\n");
    });

    it("answers 404 for a try that never happened and 400 for a try that is not a number", async () => {
      assert.equal((await get(`${base}/load/logs/7`)).status, 404);
      assert.equal((await get(`${base}/load/logs/one`)).status, 400);
      assert.equal((await get(`${base}/nope/logs/1`)).status, 404);
    });
  });

  describe("POST /api/v1/dags/{dag_id}/clearTaskInstances", () => {
    it("is a dry run by default, listing only failed tasks", async () => {
      const response = await send("POST", "/api/v1/dags/etl/clearTaskInstances", {
        dag_run_id: "scheduled__2024-01-20T00:00:00+00:00",
      });
      assert.equal(response.status, 200);
      const body = (await response.json()) as any;
      assert.deepEqual(
        body.task_instances.map((ti: { task_id: string }) => ti.task_id),
        ["load"],
      );
      assert.equal(body.task_instances[0].dag_run_id, "scheduled__2024-01-20T00:00:00+00:00");
      assert.equal(app.world.calls.clear.length, 0);
    });

    it("clears for real with dry_run false, over a logical date range", async () => {
      const response = await send("POST", "/api/v1/dags/etl/clearTaskInstances", {
        dry_run: false,
        only_failed: false,
        task_ids: ["load"],
        start_date: "2024-01-29T00:00:00Z",
        end_date: "2024-01-30T00:00:00Z",
      });
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as any).task_instances.length, 2);
      assert.deepEqual(app.world.calls.clear, [
        { dagId: "etl", runId: "scheduled__2024-01-29T00:00:00+00:00", taskIds: ["load"] },
        { dagId: "etl", runId: "scheduled__2024-01-30T00:00:00+00:00", taskIds: ["load"] },
      ]);
    });

    it("asks which runs to clear when neither a run nor dates are given", async () => {
      const response = await send("POST", "/api/v1/dags/etl/clearTaskInstances", { dry_run: true });
      assert.equal(response.status, 400);
      assert.match(((await response.json()) as any).detail, /dag_run_id/);
    });
  });

  it("lists import errors with Airflow's fields", async () => {
    app.world.problems = [
      {
        name: "DagDefinitionError",
        message: "cycle",
        file: "/dags/bad.ts",
        timestamp: "2024-03-01T00:00:00Z",
        stack: "DagDefinitionError: cycle\n  at bad.ts:3",
      },
    ];
    const body = (await (await get("/api/v1/importErrors")).json()) as any;
    assert.equal(body.total_entries, 1);
    assert.deepEqual(Object.keys(body.import_errors[0]).sort(), [
      "filename",
      "import_error_id",
      "stack_trace",
      "timestamp",
    ]);
    assert.equal(body.import_errors[0].filename, "/dags/bad.ts");
    app.world.problems = [];
  });

  it("answers /api/v1/health like /health", async () => {
    const body = (await (await get("/api/v1/health")).json()) as any;
    assert.equal(body.metadatabase.status, "healthy");
    assert.equal(body.scheduler.status, "healthy");
  });
});
