import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  KitelabApiError,
  parseDagRuns,
  parseDags,
  parseHealth,
  parseImportErrors,
  parseSchedulerProcess,
} from "../../src/api.js";

describe("parsing the scheduler API", () => {
  it("reads GET /api/v1/dags, with Airflow 2 tags as { name } objects", () => {
    const [dag] = parseDags({
      dags: [
        {
          dag_id: "etl",
          is_paused: true,
          is_active: true,
          description: "daily load",
          schedule_interval: { __type: "CronExpression", value: "@daily" },
          tags: [{ name: "lab1" }, "plain"],
          next_dagrun: "2024-03-02T00:00:00Z",
          fileloc: "/dags/etl.ts",
        },
      ],
      total_entries: 1,
    });
    assert.deepEqual(dag, {
      dag_id: "etl",
      is_paused: true,
      is_active: true,
      description: "daily load",
      schedule_interval: { __type: "CronExpression", value: "@daily" },
      tags: ["lab1", "plain"],
      next_dagrun: "2024-03-02T00:00:00Z",
      fileloc: "/dags/etl.ts",
    });
  });

  it("reads dag runs and takes execution_date when logical_date is missing", () => {
    const [run] = parseDagRuns(
      {
        dag_runs: [
          { dag_id: "etl", dag_run_id: "manual__1", state: "running", execution_date: "2024-03-01T00:00:00Z" },
        ],
      },
      "etl",
    );
    assert.equal(run?.logical_date, "2024-03-01T00:00:00Z");
    assert.equal(run?.end_date, null);
  });

  it("names the field and the route when an answer has the wrong shape", () => {
    assert.throws(() => parseDags({ dag: [] }), {
      name: "KitelabApiError",
      message: "Expected `dags` in GET /api/v1/dags to be an array, got undefined (undefined)",
    });
    assert.throws(
      () => parseDagRuns({ dag_runs: [{ dag_id: "etl", dag_run_id: "r1", state: "done" }] }, "etl"),
      /`state` in GET \/api\/v1\/dags\/etl\/dagRuns dag_runs\[0\] to be one of queued, running, success, failed, got "done" \(string\)/,
    );
    assert.throws(() => parseImportErrors([]), KitelabApiError);
  });

  it("reads /health whether the scheduler is healthy or not", () => {
    const health = parseHealth({
      metadatabase: { status: "healthy" },
      scheduler: { status: "unhealthy", latest_scheduler_heartbeat: "2024-03-01T00:00:00Z" },
    });
    assert.equal(health.scheduler.status, "unhealthy");
    assert.throws(() => parseHealth({ scheduler: { status: "ok" } }), /`scheduler.status` in GET \/health/);
  });

  it("reads the process report of the server extension", () => {
    assert.deepEqual(parseSchedulerProcess({ name: "kitelab", state: "not-started", started_at: null }), {
      state: "not-started",
      started_at: null,
    });
    assert.throws(() => parseSchedulerProcess({ state: "sleeping" }), /one of not-started, starting, running, exited/);
  });
});
