import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KitelabClient, KitelabHttpError, type ITransport } from "../../src/client.js";
import { kitelabUrls } from "../../src/urls.js";

interface ISent {
  url: string;
  method: string;
  body?: string;
}

function clientAnswering(status: number, body: unknown): { client: KitelabClient; sent: ISent[] } {
  const sent: ISent[] = [];
  const transport: ITransport = async (url, init) => {
    sent.push({ url, ...init });
    return { status, text: async () => (typeof body === "string" ? body : JSON.stringify(body)) };
  };
  return { client: new KitelabClient(kitelabUrls("http://lab/"), transport), sent };
}

const runBody = { dag_id: "etl", dag_run_id: "manual__1", state: "queued" };

describe("KitelabClient", () => {
  it("triggers a DAG with POST .../dagRuns and a conf", async () => {
    const { client, sent } = clientAnswering(200, runBody);
    const created = await client.triggerDag("etl daily");
    assert.equal(created.dag_run_id, "manual__1");
    assert.deepEqual(sent, [
      { url: "http://lab/kitelab/api/v1/dags/etl%20daily/dagRuns", method: "POST", body: '{"conf":{}}' },
    ]);
  });

  it("pauses with PATCH and { is_paused }", async () => {
    const { client, sent } = clientAnswering(200, {});
    await client.setPaused("etl", true);
    assert.deepEqual(sent, [
      { url: "http://lab/kitelab/api/v1/dags/etl", method: "PATCH", body: '{"is_paused":true}' },
    ]);
  });

  it("asks for the latest runs newest first", async () => {
    const { client, sent } = clientAnswering(200, { dag_runs: [], total_entries: 0 });
    await client.latestRuns("etl", 3);
    assert.equal(sent[0]?.url, "http://lab/kitelab/api/v1/dags/etl/dagRuns?order_by=-execution_date&limit=3");
  });

  it("reads the body of a 503 from /health: it says what is unhealthy", async () => {
    const { client } = clientAnswering(503, {
      metadatabase: { status: "healthy" },
      scheduler: { status: "unhealthy", latest_scheduler_heartbeat: null },
    });
    assert.equal((await client.health()).scheduler.status, "unhealthy");
  });

  it("turns an error answer into a KitelabHttpError carrying Airflow's detail", async () => {
    const { client } = clientAnswering(401, { title: "Unauthorized", detail: "Send the API token" });
    await assert.rejects(client.triggerDag("etl"), (error: unknown) => {
      assert.ok(error instanceof KitelabHttpError);
      assert.equal(error.status, 401);
      assert.equal(error.message, "http://lab/kitelab/api/v1/dags/etl/dagRuns answered 401: Send the API token");
      return true;
    });
  });

  it("says so when a page answers where JSON was expected", async () => {
    const { client } = clientAnswering(200, "<html>login</html>");
    await assert.rejects(
      client.dags(),
      /Expected JSON from http:\/\/lab\/kitelab\/api\/v1\/dags\?limit=1000, got "<html>login<\/html>"/,
    );
  });
});
