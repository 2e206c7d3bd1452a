import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AIRFLOW_V2_AUTH_SPEC, AIRFLOW_V2_SPEC, airflowContract } from "./helpers/airflowContract.js";
import { type Answer, ContractCalls, runEnded as ended, type Validator } from "./helpers/contractCalls.js";
import { contractDagsParsed, startContractStandalone } from "./helpers/contractDags.js";
import type { StandaloneProcess } from "./helpers/standaloneProcess.js";
import { tempHome } from "./helpers/tempHome.js";
import { waitFor } from "./helpers/waitFor.js";

/**
 * Every route Kitelab serves under `/api/v2`, and `POST /auth/token`, on a real
 * `kitelab standalone`, in success and error cases: each answer must validate against
 * Airflow 3.1.3's own OpenAPI documents. Every call after the login uses the access token
 * the login answered, not the API token.
 */

/** Airflow 3's operations Kitelab serves: the README's promise, and what this test must reach. */
export const SERVED_OPERATIONS_V2 = [
  "get_dags",
  "get_dag",
  "patch_dag",
  "get_dag_details",
  "get_tasks",
  "get_task",
  "get_dag_source",
  "get_dag_runs",
  "get_list_dag_runs_batch",
  "trigger_dag_run",
  "get_dag_run",
  "patch_dag_run",
  "clear_dag_run",
  "get_task_instances",
  "get_task_instances_batch",
  "get_task_instance",
  "patch_task_instance",
  "patch_task_instance_dry_run",
  "get_log",
  "post_clear_task_instances",
  "get_xcom_entries",
  "get_xcom_entry",
  "get_variables",
  "post_variable",
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
  "list_dag_warnings",
  "get_health",
  "get_version",
];

type Json = any;

describe("/api/v2 against Airflow 3.1's OpenAPI document", () => {
  const home = tempHome("kitelab-contract-v2-");
  const calls = new ContractCalls("Airflow 3's");
  let kitelab: StandaloneProcess;
  let check: Validator;
  let checkAuth: Validator;
  let accessToken = "";

  /** Calls `/api/v2{path}` with the access token and validates the answer; `expect` is the status the case needs. */
  async function call(
    method: string,
    path: string,
    expect: number,
    options: { body?: unknown; accept?: string; token?: string | null } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { accept: options.accept ?? "application/json" };
    const token = options.token === undefined ? accessToken : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const answer = await calls.exchange(
      method,
      `${kitelab.url}api/v2${path}`,
      headers,
      options.body === undefined ? undefined : JSON.stringify(options.body),
      check,
      path.split("?")[0]!,
    );
    return calls.expectValid(method, path, expect, answer);
  }

  async function login(body: string, contentType: string, expect: number): Promise<Answer> {
    const answer = await calls.exchange(
      "POST",
      `${kitelab.url}auth/token`,
      { "content-type": contentType, accept: "application/json" },
      body,
      checkAuth,
      "/auth/token",
    );
    return calls.expectValid("POST", "/auth/token", expect, answer);
  }

  const runEnded = (dagId: string, runId: string) => ended((path) => call("GET", path, 200), dagId, runId);

  before(async () => {
    check = await airflowContract(AIRFLOW_V2_SPEC, { errors: "documented", pathPrefix: "/api/v2" });
    checkAuth = await airflowContract(AIRFLOW_V2_AUTH_SPEC, { errors: "documented" });
    kitelab = await startContractStandalone(home);
    await contractDagsParsed(
      async () => (await call("GET", "/dags", 200, { token: kitelab.token })).body.total_entries,
    );
  });

  after(async () => {
    await kitelab?.stop();
    home.cleanup();
  });

  it("has a validator that refuses what Airflow 3's client refuses", () => {
    const verdict = check({
      method: "GET",
      path: "/dags/etl",
      status: 200,
      contentType: "application/json",
      body: { dag_id: "etl", file_token: null },
    });
    assert.equal(verdict.operationId, "get_dag");
    assert.match(verdict.errors.join("\n"), /required property 'dag_display_name'/);
    assert.match(
      check({ method: "GET", path: "/dags", status: 404, contentType: "application/json", body: { detail: "x" } })
        .errors[0]!,
      /status 404 is not documented for get_dags/,
    );
  });

  it("logs in with the API token as password, as Airflow 3's clients do, and refuses other passwords", async () => {
    const answer = await login(
      JSON.stringify({ username: "student", password: kitelab.token }),
      "application/json",
      201,
    );
    accessToken = answer.body.access_token;
    assert.match(accessToken, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.notEqual(accessToken, kitelab.token);
    const form = await login(
      new URLSearchParams({ username: "student", password: kitelab.token }).toString(),
      "application/x-www-form-urlencoded",
      201,
    );
    assert.equal(typeof form.body.access_token, "string");
    await login(JSON.stringify({ username: "student", password: "guess" }), "application/json", 401);
    await login(JSON.stringify({ username: "student" }), "application/json", 422);
  });

  it("accepts the access token for reads and writes, and refuses a forged one", async () => {
    await call("GET", "/dags", 200);
    await call("PATCH", "/dags/contract_etl", 200, { body: { is_paused: false } });
    const [header, payload] = accessToken.split(".");
    await call("GET", "/dags", 403, { token: `${header}.${payload}.forged` });
    await call("PATCH", "/dags/contract_etl", 401, { body: { is_paused: true }, token: null });
  });

  it("answers health without credentials, and version", async () => {
    const health = await call("GET", "/monitor/health", 200, { token: null });
    assert.equal(health.body.metadatabase.status, "healthy");
    assert.match((await call("GET", "/version", 200)).body.version, /^\d+\.\d+\.\d+/);
  });

  it("lists, reads, pages, orders and pauses DAGs", async () => {
    const list = await call("GET", "/dags?limit=2&offset=1&order_by=-dag_id&tags=contract", 200);
    assert.equal(list.body.total_entries, 1);
    assert.deepEqual(
      (await call("GET", "/dags?order_by=-dag_id", 200)).body.dags.map((dag: Json) => dag.dag_id),
      ["contract_slow", "contract_fail", "contract_etl"],
    );
    assert.deepEqual(
      (await call("GET", "/dags?dag_id_pattern=fa%25l", 200)).body.dags.map((dag: Json) => dag.dag_id),
      ["contract_fail"],
    );
    const dag = (await call("GET", "/dags/contract_etl", 200)).body;
    assert.equal(dag.timetable_summary, "@daily");
    assert.deepEqual(dag.tags, [{ name: "contract", dag_id: "contract_etl", dag_display_name: "contract_etl" }]);
    await call("GET", "/dags/contract_etl/details", 200);
    assert.deepEqual(
      (await call("GET", "/dags/contract_etl/tasks", 200)).body.tasks.map((task: Json) => task.task_id),
      ["extract", "report"],
    );
    assert.equal((await call("GET", "/dags/contract_etl/tasks/report", 200)).body.operator_name, "BashOperator");
    const source = await call("GET", "/dagSources/contract_etl", 200);
    assert.match(source.body.content, /contract_etl/);
    await call("GET", "/dagSources/contract_etl", 200, { accept: "text/plain" });
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

  it("answers DAG errors as Airflow 3 does", async () => {
    await call("GET", "/dags/nope", 404);
    await call("GET", "/dags/nope/details", 404);
    await call("GET", "/dags/contract_etl/tasks/nope", 404);
    await call("GET", "/dagSources/nope", 404);
    await call("GET", "/dags?order_by=color", 422);
    await call("PATCH", "/dags/contract_etl", 422, { body: { is_paused: "yes" } });
  });

  it("triggers runs with conf and logical date, lists, filters and reads them", async () => {
    const run = (
      await call("POST", "/dags/contract_etl/dagRuns", 200, {
        body: {
          dag_run_id: "v2_1",
          logical_date: "2024-05-01T00:00:00+00:00",
          conf: { rows: 3 },
          note: "from the contract test",
        },
      })
    ).body;
    assert.equal(run.dag_run_id, "v2_1");
    assert.equal(run.logical_date, "2024-05-01T00:00:00+00:00");
    assert.equal(run.note, "from the contract test");
    assert.equal((await runEnded("contract_etl", "v2_1")).state, "success");
    await call("POST", "/dags/contract_fail/dagRuns", 200, { body: { dag_run_id: "v2_2", logical_date: null } });
    assert.equal((await runEnded("contract_fail", "v2_2")).state, "failed");

    assert.equal((await call("GET", "/dags/~/dagRuns?state=failed", 200)).body.total_entries, 1);
    const filtered = await call(
      "GET",
      "/dags/contract_etl/dagRuns?logical_date_gte=2024-04-01T00:00:00Z&logical_date_lt=2024-06-01T00:00:00Z&order_by=-start_date&limit=5",
      200,
    );
    assert.deepEqual(
      filtered.body.dag_runs.map((item: Json) => item.dag_run_id),
      ["v2_1"],
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
      batch.body.dag_runs.map((item: Json) => item.dag_id),
      ["contract_etl", "contract_fail"],
    );
  });

  it("answers run errors as Airflow 3 does", async () => {
    await call("POST", "/dags/contract_etl/dagRuns", 409, { body: { dag_run_id: "v2_1", logical_date: null } });
    await call("POST", "/dags/contract_etl/dagRuns", 422, { body: { dag_run_id: "v2_x" } });
    await call("POST", "/dags/contract_etl/dagRuns", 422, { body: { conf: [1, 2], logical_date: null } });
    await call("POST", "/dags/contract_etl/dagRuns", 422, { body: { logical_date: "yesterday" } });
    await call("GET", "/dags/contract_etl/dagRuns/nope", 404);
    await call("GET", "/dags/contract_etl/dagRuns?state=done", 422);
    await call("PATCH", "/dags/contract_fail/dagRuns/v2_2", 422, { body: { state: "running" } });
  });

  it("reads task instances, their logs and XComs", async () => {
    const instances = (await call("GET", "/dags/contract_etl/dagRuns/v2_1/taskInstances", 200)).body;
    assert.deepEqual(
      instances.task_instances.map((ti: Json) => [ti.task_id, ti.state]),
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
    await call("GET", "/dags/contract_etl/dagRuns/v2_1/taskInstances/extract", 200);
    const log = await call("GET", "/dags/contract_etl/dagRuns/v2_1/taskInstances/report/logs/1?full_content=true", 200);
    assert.ok(log.body.content.some((line: Json) => /report/.test(line.event)));
    await call("GET", "/dags/contract_etl/dagRuns/v2_1/taskInstances/report/logs/1", 200, {
      accept: "application/x-ndjson",
    });
    const xcoms = (await call("GET", "/dags/contract_etl/dagRuns/v2_1/taskInstances/extract/xcomEntries", 200)).body;
    assert.deepEqual(
      xcoms.xcom_entries.map((entry: Json) => entry.key),
      ["return_value"],
    );
    const path = "/dags/contract_etl/dagRuns/v2_1/taskInstances/extract/xcomEntries/return_value";
    assert.deepEqual((await call("GET", path, 200)).body.value, { rows: 3 });
    assert.equal((await call("GET", `${path}?stringify=true`, 200)).body.value, '{"rows":3}');
  });

  it("answers task instance errors as Airflow 3 does", async () => {
    await call("GET", "/dags/contract_etl/dagRuns/v2_1/taskInstances/nope", 404);
    await call("GET", "/dags/contract_etl/dagRuns/v2_1/taskInstances/report/logs/7", 404);
    await call("GET", "/dags/contract_etl/dagRuns/v2_1/taskInstances/extract/xcomEntries/nope", 404);
    await call("PATCH", "/dags/contract_etl/dagRuns/v2_1/taskInstances/report", 422, {
      body: { new_state: "running" },
    });
    await call("POST", "/dags/contract_etl/clearTaskInstances", 422, { body: { task_ids: "report" } });
  });

  it("leaves notes on runs and task instances", async () => {
    assert.equal(
      (
        await call("PATCH", "/dags/contract_etl/dagRuns/v2_1?update_mask=note", 200, {
          body: { note: "checked by hand" },
        })
      ).body.note,
      "checked by hand",
    );
    const ti = await call("PATCH", "/dags/contract_etl/dagRuns/v2_1/taskInstances/report", 200, {
      body: { note: "looks right" },
    });
    assert.equal(ti.body.task_instances[0].note, "looks right");
  });

  it("clears task instances and runs, with dry runs that change nothing", async () => {
    const dry = await call("POST", "/dags/contract_fail/clearTaskInstances", 200, {
      body: { dag_run_id: "v2_2", dry_run: true },
    });
    assert.deepEqual(
      dry.body.task_instances.map((ti: Json) => ti.task_id),
      ["boom"],
    );
    assert.equal((await call("GET", "/dags/contract_fail/dagRuns/v2_2", 200)).body.state, "failed");
    const runDry = await call("POST", "/dags/contract_fail/dagRuns/v2_2/clear", 200, { body: { dry_run: true } });
    assert.equal(runDry.body.total_entries, 1);
    await call("POST", "/dags/contract_fail/clearTaskInstances", 200, {
      body: { dag_run_id: "v2_2", dry_run: false, only_failed: true },
    });
    assert.equal((await runEnded("contract_fail", "v2_2")).state, "failed");
    const cleared = await call("POST", "/dags/contract_fail/dagRuns/v2_2/clear", 200, { body: { dry_run: false } });
    assert.equal(cleared.body.dag_run_id, "v2_2");
    assert.equal((await runEnded("contract_fail", "v2_2")).state, "failed");
    const ti = (await call("GET", "/dags/contract_fail/dagRuns/v2_2/taskInstances/boom", 200)).body;
    assert.equal(ti.try_number, 3);
  });

  it("marks runs and task instances, stopping what still runs", async () => {
    await call("POST", "/dags/contract_slow/dagRuns", 200, { body: { dag_run_id: "slow_v2", logical_date: null } });
    await waitFor(
      "the slow task to run",
      async () =>
        (await call("GET", "/dags/contract_slow/dagRuns/slow_v2/taskInstances/wait", 200)).body.state === "running"
          ? true
          : undefined,
      60_000,
    );
    const dry = await call("PATCH", "/dags/contract_slow/dagRuns/slow_v2/taskInstances/wait/dry_run", 200, {
      body: { new_state: "success" },
    });
    assert.deepEqual(
      dry.body.task_instances.map((ti: Json) => ti.task_id),
      ["wait"],
    );
    assert.equal(
      (await call("GET", "/dags/contract_slow/dagRuns/slow_v2/taskInstances/wait", 200)).body.state,
      "running",
    );
    const marked = await call("PATCH", "/dags/contract_slow/dagRuns/slow_v2", 200, { body: { state: "failed" } });
    assert.equal(marked.body.state, "failed");
    assert.equal(
      (await call("GET", "/dags/contract_slow/dagRuns/slow_v2/taskInstances/wait", 200)).body.state,
      "failed",
    );
    const set = await call("PATCH", "/dags/contract_slow/dagRuns/slow_v2/taskInstances/wait", 200, {
      body: { new_state: "success" },
    });
    assert.deepEqual(
      set.body.task_instances.map((ti: Json) => [ti.task_id, ti.state]),
      [["wait", "success"]],
    );
  });

  it("keeps Variables, secret-named ones masked", async () => {
    await call("POST", "/variables", 201, {
      body: { key: "bucket", value: "s3://course", description: "where data lands" },
    });
    await call("POST", "/variables", 409, { body: { key: "bucket", value: "again" } });
    const secret = await call("POST", "/variables", 201, { body: { key: "db_password", value: "hunter22" } });
    assert.equal(secret.body.value, "***");
    assert.equal((await call("GET", "/variables?order_by=-key", 200)).body.total_entries, 2);
    assert.equal((await call("GET", "/variables/bucket", 200)).body.value, "s3://course");
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
    await call("POST", "/variables", 422, { body: { key: "no_value" } });
  });

  it("keeps Connections, masking the password, and tests them", async () => {
    const created = await call("POST", "/connections", 201, {
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
    assert.equal(created.body.password, "***");
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
    await call("POST", "/connections", 422, { body: { connection_id: "bad", conn_type: "postgres", extra: "{not" } });
    await call("DELETE", "/connections/warehouse", 204);
    await call("GET", "/connections/warehouse", 404);
  });

  it("keeps pools, with the slots tasks hold", async () => {
    assert.equal((await call("GET", "/pools", 200)).body.pools[0].name, "default_pool");
    assert.equal(
      (await call("POST", "/pools", 201, { body: { name: "gpu", slots: 2, description: "the one GPU box" } })).body
        .open_slots,
      2,
    );
    await call("POST", "/pools", 409, { body: { name: "gpu", slots: 2 } });
    assert.equal(
      (await call("PATCH", "/pools/gpu?update_mask=slots", 200, { body: { name: "gpu", slots: 4 } })).body.slots,
      4,
    );
    await call("GET", "/pools/gpu", 200);
    await call("POST", "/pools", 422, { body: { name: "bad", slots: -1 } });
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
    assert.deepEqual(calls.missing(SERVED_OPERATIONS_V2), []);
  });
});
