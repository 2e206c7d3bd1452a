import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { airflowContract } from "./helpers/airflowContract.js";
import { type Answer, ContractCalls, runEnded as ended, type Validator } from "./helpers/contractCalls.js";
import { contractDagsParsed, startContractStandalone } from "./helpers/contractDags.js";
import type { StandaloneProcess } from "./helpers/standaloneProcess.js";
import { tempHome } from "./helpers/tempHome.js";
import { waitFor } from "./helpers/waitFor.js";

/**
 * Every route Kitelab serves under `/api/v1`, on a real `kitelab standalone`, in success and
 * error cases: each answer must validate against Airflow 2.10.5's own OpenAPI document.
 */

/** Airflow's operations Kitelab serves: the README's promise, and what this test must reach. */
export const SERVED_OPERATIONS = [
  "get_dags",
  "get_dag",
  "patch_dag",
  "get_dag_details",
  "get_tasks",
  "get_task",
  "get_dag_source",
  "get_dag_runs",
  "get_dag_runs_batch",
  "post_dag_run",
  "get_dag_run",
  "update_dag_run_state",
  "clear_dag_run",
  "set_dag_run_note",
  "get_task_instances",
  "get_task_instances_batch",
  "get_task_instance",
  "patch_task_instance",
  "set_task_instance_note",
  "get_log",
  "post_clear_task_instances",
  "post_set_task_instances_state",
  "get_xcom_entries",
  "get_xcom_entry",
  "get_variables",
  "post_variables",
  "get_variable",
  "patch_variable",
  "delete_variable",
  "get_connections",
  "post_connection",
  "get_connection",
  "patch_connection",
  "delete_connection",
  "test_connection",
  "get_pools",
  "post_pool",
  "get_pool",
  "patch_pool",
  "delete_pool",
  "get_import_errors",
  "get_import_error",
  "get_dag_warnings",
  "get_health",
  "get_version",
];

describe("the API against Airflow's OpenAPI document", () => {
  const home = tempHome("kitelab-contract-");
  const calls = new ContractCalls("Airflow's");
  let kitelab: StandaloneProcess;
  let check: Validator;

  /** Calls the API and validates the answer; `expect` is the status the spec case needs. */
  async function call(
    method: string,
    path: string,
    expect: number,
    options: { body?: unknown; accept?: string; anonymous?: boolean } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { accept: options.accept ?? "application/json" };
    if (!options.anonymous) headers.authorization = `Bearer ${kitelab.token}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const answer = await calls.exchange(
      method,
      `${kitelab.url}api/v1${path}`,
      headers,
      body,
      check,
      path.split("?")[0]!,
    );
    return calls.expectValid(method, path, expect, answer);
  }

  const runEnded = (dagId: string, runId: string) => ended((path) => call("GET", path, 200), dagId, runId);

  before(async () => {
    check = await airflowContract();
    kitelab = await startContractStandalone(home);
    await contractDagsParsed(async () => (await call("GET", "/dags", 200)).body.total_entries);
  });

  after(async () => {
    await kitelab?.stop();
    home.cleanup();
  });

  it("has a validator that refuses what Airflow's client refuses", () => {
    const verdict = check({
      method: "GET",
      path: "/dags/etl",
      status: 200,
      contentType: "application/json",
      body: { dag_id: "etl", file_token: null },
    });
    assert.equal(verdict.operationId, "get_dag");
    assert.match(verdict.errors.join("\n"), /file_token must be string/);
    assert.notDeepEqual(
      check({ method: "GET", path: "/dags/etl", status: 404, contentType: "text/html", body: "<p>no</p>" }).errors,
      [],
    );
  });

  it("answers health and version", async () => {
    await call("GET", "/health", 200);
    const { body } = await call("GET", "/version", 200);
    assert.match(body.version, /^\d+\.\d+\.\d+/);
  });

  it("lists, reads, pages, orders and pauses DAGs", async () => {
    const list = await call("GET", "/dags?limit=2&offset=1&order_by=-dag_id&tags=contract&only_active=true", 200);
    assert.equal(list.body.total_entries, 1);
    assert.deepEqual(
      (await call("GET", "/dags?order_by=-dag_id", 200)).body.dags.map((dag: any) => dag.dag_id),
      ["contract_slow", "contract_fail", "contract_etl"],
    );
    const dag = (await call("GET", "/dags/contract_etl", 200)).body;
    assert.deepEqual(dag.schedule_interval, { __type: "CronExpression", value: "@daily" });
    assert.equal(typeof dag.file_token, "string");
    await call("GET", "/dags/contract_etl/details", 200);
    const tasks = (await call("GET", "/dags/contract_etl/tasks", 200)).body;
    assert.deepEqual(
      tasks.tasks.map((task: any) => task.task_id),
      ["extract", "report"],
    );
    await call("GET", "/dags/contract_etl/tasks/report", 200);
    const source = await call("GET", `/dagSources/${dag.file_token}`, 200);
    assert.match(source.body.content, /contract_etl/);
    await call("GET", `/dagSources/${dag.file_token}`, 200, { accept: "text/plain" });
    assert.equal(
      (await call("PATCH", "/dags/contract_etl?update_mask=is_paused", 200, { body: { is_paused: true } })).body
        .is_paused,
      true,
    );
    assert.equal(
      (await call("PATCH", "/dags/contract_etl", 200, { body: { is_paused: false } })).body.is_paused,
      false,
    );
  });

  it("answers DAG errors with problems", async () => {
    await call("GET", "/dags/nope", 404);
    await call("GET", "/dags/nope/details", 404);
    await call("GET", "/dags/contract_etl/tasks/nope", 404);
    await call("GET", "/dags?limit=0", 400);
    await call("GET", "/dags?order_by=color", 400);
    await call("PATCH", "/dags/contract_etl", 400, { body: { is_paused: "yes" } });
    await call("PATCH", "/dags/contract_etl", 401, { body: { is_paused: true }, anonymous: true });
    await call("GET", `/dagSources/${Buffer.from("/etc/passwd").toString("base64url")}`, 404);
  });

  it("triggers runs with conf and logical date, lists, filters and reads them", async () => {
    const run = (
      await call("POST", "/dags/contract_etl/dagRuns", 200, {
        body: { dag_run_id: "contract_1", logical_date: "2024-05-01T00:00:00+00:00", conf: { rows: 3 }, note: null },
      })
    ).body;
    assert.equal(run.dag_run_id, "contract_1");
    assert.equal(run.logical_date, "2024-05-01T00:00:00+00:00");
    assert.equal((await runEnded("contract_etl", "contract_1")).state, "success");
    await call("POST", "/dags/contract_fail/dagRuns", 200, { body: { dag_run_id: "contract_2" } });
    assert.equal((await runEnded("contract_fail", "contract_2")).state, "failed");

    assert.equal((await call("GET", "/dags/~/dagRuns?state=failed", 200)).body.total_entries, 1);
    const filtered = await call(
      "GET",
      "/dags/contract_etl/dagRuns?execution_date_gte=2024-04-01T00:00:00Z&execution_date_lte=2024-06-01T00:00:00Z&order_by=-start_date&limit=5",
      200,
    );
    assert.deepEqual(
      filtered.body.dag_runs.map((item: any) => item.dag_run_id),
      ["contract_1"],
    );
    const batch = await call("POST", "/dags/~/dagRuns/list", 200, {
      body: {
        dag_ids: ["contract_etl", "contract_fail"],
        states: ["success", "failed"],
        page_limit: 10,
        order_by: "dag_id",
      },
    });
    assert.deepEqual(
      batch.body.dag_runs.map((item: any) => item.dag_id),
      ["contract_etl", "contract_fail"],
    );
  });

  it("answers run errors with problems", async () => {
    await call("POST", "/dags/contract_etl/dagRuns", 409, { body: { dag_run_id: "contract_1" } });
    await call("POST", "/dags/contract_etl/dagRuns", 400, { body: { conf: [1, 2] } });
    await call("POST", "/dags/contract_etl/dagRuns", 400, { body: { logical_date: "yesterday" } });
    await call("GET", "/dags/contract_etl/dagRuns/nope", 404);
    await call("GET", "/dags/contract_etl/dagRuns?state=done", 400);
    await call("PATCH", "/dags/contract_fail/dagRuns/contract_2", 400, { body: { state: "running" } });
    await call("PATCH", "/dags/contract_fail/dagRuns/contract_2/setNote", 400, { body: {} });
  });

  it("reads task instances, their logs and XComs", async () => {
    const instances = (await call("GET", "/dags/contract_etl/dagRuns/contract_1/taskInstances", 200)).body;
    assert.deepEqual(
      instances.task_instances.map((ti: any) => [ti.task_id, ti.state]),
      [
        ["extract", "success"],
        ["report", "success"],
      ],
    );
    await call("GET", "/dags/~/dagRuns/~/taskInstances?state=failed", 200);
    const batch = await call("POST", "/dags/~/dagRuns/~/taskInstances/list", 200, {
      body: { dag_ids: ["contract_etl"], task_ids: ["report"], state: ["success"] },
    });
    assert.equal(batch.body.total_entries, 1);
    await call("GET", "/dags/contract_etl/dagRuns/contract_1/taskInstances/extract", 200);
    const log = await call(
      "GET",
      "/dags/contract_etl/dagRuns/contract_1/taskInstances/report/logs/1?full_content=true",
      200,
    );
    assert.match(log.body.content, /report/);
    await call("GET", "/dags/contract_etl/dagRuns/contract_1/taskInstances/report/logs/1", 200, {
      accept: "text/plain",
    });
    const xcoms = (await call("GET", "/dags/contract_etl/dagRuns/contract_1/taskInstances/extract/xcomEntries", 200))
      .body;
    assert.deepEqual(
      xcoms.xcom_entries.map((entry: any) => entry.key),
      ["return_value"],
    );
    assert.equal(
      (await call("GET", "/dags/contract_etl/dagRuns/contract_1/taskInstances/extract/xcomEntries/return_value", 200))
        .body.value,
      '{"rows":3}',
    );
    assert.deepEqual(
      (
        await call(
          "GET",
          "/dags/contract_etl/dagRuns/contract_1/taskInstances/extract/xcomEntries/return_value?stringify=false",
          200,
        )
      ).body.value,
      { rows: 3 },
    );
  });

  it("answers task instance errors with problems", async () => {
    await call("GET", "/dags/contract_etl/dagRuns/contract_1/taskInstances/nope", 404);
    await call("GET", "/dags/contract_etl/dagRuns/contract_1/taskInstances/report/logs/0", 400);
    await call("GET", "/dags/contract_etl/dagRuns/contract_1/taskInstances/report/logs/7", 404);
    await call("GET", "/dags/contract_etl/dagRuns/contract_1/taskInstances/extract/xcomEntries/nope", 404);
    await call("PATCH", "/dags/contract_etl/dagRuns/contract_1/taskInstances/report", 400, {
      body: { new_state: "running" },
    });
    await call("POST", "/dags/contract_etl/clearTaskInstances", 400, { body: { task_ids: "report" } });
  });

  it("leaves notes on runs and task instances", async () => {
    assert.equal(
      (await call("PATCH", "/dags/contract_etl/dagRuns/contract_1/setNote", 200, { body: { note: "checked by hand" } }))
        .body.note,
      "checked by hand",
    );
    const ti = await call("PATCH", "/dags/contract_etl/dagRuns/contract_1/taskInstances/report/setNote", 200, {
      body: { note: "looks right" },
    });
    assert.equal(ti.body.note, "looks right");
    assert.equal((await call("GET", "/dags/contract_etl/dagRuns/contract_1", 200)).body.note, "checked by hand");
  });

  it("clears task instances and runs, with dry runs that change nothing", async () => {
    const dry = await call("POST", "/dags/contract_fail/clearTaskInstances", 200, {
      body: { dag_run_id: "contract_2", dry_run: true },
    });
    assert.deepEqual(
      dry.body.task_instances.map((ti: any) => ti.task_id),
      ["boom"],
    );
    assert.equal((await call("GET", "/dags/contract_fail/dagRuns/contract_2", 200)).body.state, "failed");
    const runDry = await call("POST", "/dags/contract_fail/dagRuns/contract_2/clear", 200, { body: { dry_run: true } });
    assert.equal(runDry.body.task_instances.length, 1);
    await call("POST", "/dags/contract_fail/clearTaskInstances", 200, {
      body: { dag_run_id: "contract_2", dry_run: false, only_failed: true },
    });
    assert.equal((await runEnded("contract_fail", "contract_2")).state, "failed");
    await call("POST", "/dags/contract_fail/dagRuns/contract_2/clear", 200, { body: { dry_run: false } });
    const again = await runEnded("contract_fail", "contract_2");
    assert.equal(again.state, "failed");
    const ti = (await call("GET", "/dags/contract_fail/dagRuns/contract_2/taskInstances/boom", 200)).body;
    assert.equal(ti.try_number, 3);
  });

  it("marks runs and task instances, stopping what still runs", async () => {
    await call("POST", "/dags/contract_slow/dagRuns", 200, { body: { dag_run_id: "slow_1" } });
    await waitFor(
      "the slow task to run",
      async () =>
        (await call("GET", "/dags/contract_slow/dagRuns/slow_1/taskInstances/wait", 200)).body.state === "running"
          ? true
          : undefined,
      60_000,
    );
    const reference = await call("PATCH", "/dags/contract_slow/dagRuns/slow_1/taskInstances/wait", 200, {
      body: { new_state: "success", dry_run: true },
    });
    assert.equal(reference.body.task_id, "wait");
    assert.equal(
      (await call("GET", "/dags/contract_slow/dagRuns/slow_1/taskInstances/wait", 200)).body.state,
      "running",
    );
    const marked = await call("PATCH", "/dags/contract_slow/dagRuns/slow_1", 200, { body: { state: "failed" } });
    assert.equal(marked.body.state, "failed");
    assert.equal(
      (await call("GET", "/dags/contract_slow/dagRuns/slow_1/taskInstances/wait", 200)).body.state,
      "failed",
    );
    const set = await call("POST", "/dags/contract_slow/updateTaskInstancesState", 200, {
      body: { dag_run_id: "slow_1", task_id: "wait", new_state: "success", dry_run: false },
    });
    assert.deepEqual(
      set.body.task_instances.map((ti: any) => ti.task_id),
      ["wait"],
    );
    assert.equal(
      (await call("GET", "/dags/contract_slow/dagRuns/slow_1/taskInstances/wait", 200)).body.state,
      "success",
    );
    await call("PATCH", "/dags/contract_slow/dagRuns/slow_1/taskInstances/wait", 200, {
      body: { new_state: "skipped", dry_run: false },
    });
    assert.equal(
      (await call("GET", "/dags/contract_slow/dagRuns/slow_1/taskInstances/wait", 200)).body.state,
      "skipped",
    );
  });

  it("keeps Variables, secret-named ones masked", async () => {
    await call("POST", "/variables", 200, {
      body: { key: "bucket", value: "s3://course", description: "where data lands" },
    });
    const secret = await call("POST", "/variables", 200, { body: { key: "db_password", value: "hunter22" } });
    assert.equal(secret.body.value, "***");
    assert.equal((await call("GET", "/variables?order_by=-key", 200)).body.total_entries, 2);
    assert.equal((await call("GET", "/variables/bucket", 200)).body.value, "s3://course");
    assert.equal((await call("GET", "/variables/db_password", 200)).body.value, "***");
    assert.equal(
      (
        await call("PATCH", "/variables/bucket?update_mask=value", 200, {
          body: { key: "bucket", value: "s3://other" },
        })
      ).body.value,
      "s3://other",
    );
    await call("DELETE", "/variables/bucket", 204);
    await call("GET", "/variables/bucket", 404);
    await call("POST", "/variables", 400, { body: { key: "no_value" } });
    await call("PATCH", "/variables/db_password", 400, { body: { key: "renamed", value: "x" } });
  });

  it("keeps Connections, never answering a password, and tests them", async () => {
    const created = await call("POST", "/connections", 200, {
      body: {
        connection_id: "warehouse",
        conn_type: "postgres",
        host: "127.0.0.1",
        port: 1,
        login: "student",
        password: "pa55word",
        extra: '{"sslmode": "disable", "api_key": "k-123"}',
      },
    });
    assert.equal(created.body.password, undefined);
    assert.deepEqual(JSON.parse(created.body.extra), { sslmode: "disable", api_key: "***" });
    await call("POST", "/connections", 409, { body: { connection_id: "warehouse", conn_type: "postgres" } });
    assert.equal((await call("GET", "/connections", 200)).body.total_entries, 1);
    assert.equal((await call("GET", "/connections/warehouse", 200)).body.login, "student");
    assert.equal(
      (
        await call("PATCH", "/connections/warehouse?update_mask=host", 200, {
          body: { connection_id: "warehouse", conn_type: "postgres", host: "db.local" },
        })
      ).body.host,
      "db.local",
    );
    const tested = await call("POST", "/connections/test", 200, {
      body: { connection_id: "probe", conn_type: "fs", extra: JSON.stringify({ root: home.home }) },
    });
    assert.equal(tested.body.status, true);
    const refused = await call("POST", "/connections/test", 200, {
      body: { connection_id: "probe", conn_type: "postgres", host: "127.0.0.1", port: 1 },
    });
    assert.equal(refused.body.status, false);
    await call("POST", "/connections", 400, {
      body: { connection_id: "bad", conn_type: "postgres", extra: "{not json" },
    });
    await call("DELETE", "/connections/warehouse", 204);
    await call("GET", "/connections/warehouse", 404);
  });

  it("keeps pools, with the slots tasks hold", async () => {
    const pools = (await call("GET", "/pools", 200)).body;
    assert.equal(pools.pools[0].name, "default_pool");
    assert.equal(
      (await call("POST", "/pools", 200, { body: { name: "gpu", slots: 2, description: "the one GPU box" } })).body
        .open_slots,
      2,
    );
    await call("POST", "/pools", 409, { body: { name: "gpu", slots: 2 } });
    assert.equal(
      (await call("PATCH", "/pools/gpu?update_mask=slots", 200, { body: { name: "gpu", slots: 4 } })).body.slots,
      4,
    );
    await call("GET", "/pools/gpu", 200);
    await call("POST", "/pools", 400, { body: { name: "bad", slots: -1 } });
    await call("DELETE", "/pools/default_pool", 400);
    await call("DELETE", "/pools/gpu", 204);
    await call("GET", "/pools/gpu", 404);
  });

  it("lists import errors and DAG warnings", async () => {
    const errors = (await call("GET", "/importErrors", 200)).body;
    assert.equal(errors.total_entries, 1);
    assert.match(errors.import_errors[0].filename, /broken\.ts$/);
    await call("GET", `/importErrors/${errors.import_errors[0].import_error_id}`, 200);
    await call("GET", "/importErrors/99", 404);
    await call("GET", "/dagWarnings?dag_id=contract_etl", 200);
  });

  it("reached every operation Kitelab claims to serve", () => {
    assert.deepEqual(calls.missing(SERVED_OPERATIONS), []);
  });
});
