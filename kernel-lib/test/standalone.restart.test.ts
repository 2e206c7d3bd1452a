import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startStandaloneProcess, type StandaloneProcess } from "./helpers/standaloneProcess.js";
import { tempHome } from "./helpers/tempHome.js";
import { waitFor } from "./helpers/waitFor.js";

/**
 * `POST /api/v1/scheduler/restart` on a real `kitelab standalone`: the scheduler stops, reads
 * airflow.cfg again and starts on the same port in the same process, so the JupyterLab proxy and
 * notebooks keep their address; a config that does not load is refused and changes nothing.
 */
describe("restarting the scheduler in place", () => {
  const home = tempHome("kitelab-restart-");
  const otherDags = join(home.home, "other-dags");
  let kitelab: StandaloneProcess;

  const dagSource = (dagId: string) =>
    `import { DAG } from "kitelab";\nexport const dag = new DAG({ dagId: "${dagId}", schedule: null, startDate: "2024-01-01" });\ndag.task("t", async () => 1);\n`;
  const restart = (headers: Record<string, string> = { Authorization: `Bearer ${kitelab.token}` }) =>
    fetch(`${kitelab.url}api/v1/scheduler/restart`, { method: "POST", headers });
  const dagIds = async () => {
    const response = await fetch(`${kitelab.url}api/v1/dags`, {
      headers: { Authorization: `Bearer ${kitelab.token}` },
    });
    return ((await response.json()) as { dags: { dag_id: string }[] }).dags.map((dag) => dag.dag_id);
  };

  before(async () => {
    home.writeDag("first.ts", dagSource("first_dag"));
    mkdirSync(otherDags);
    writeFileSync(join(otherDags, "second.ts"), dagSource("second_dag"));
    kitelab = await startStandaloneProcess(home.home);
    await waitFor("the scheduler to list first_dag", async () =>
      (await dagIds()).includes("first_dag") ? true : undefined,
    );
  });

  after(async () => {
    await kitelab?.stop();
    home.cleanup();
  });

  it("refuses a request without the API token", async () => {
    const response = await restart({});
    assert.equal(response.status, 401);
  });

  it("reads airflow.cfg again and serves on the same port from the same process", async () => {
    writeFileSync(join(home.home, "airflow.cfg"), `[core]\ndags_folder = ${otherDags}\n`);
    const response = await restart();
    const body = (await response.json()) as { took_ms: number; config_file: string; started_at: string };
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.config_file, join(home.home, "airflow.cfg"));
    assert.ok(body.took_ms >= 0 && Number.isFinite(Date.parse(body.started_at)), JSON.stringify(body));
    await waitFor("the restarted scheduler to list second_dag", async () =>
      (await dagIds()).includes("second_dag") ? true : undefined,
    );
    assert.deepEqual(await dagIds(), ["second_dag"], "first_dag's file is no longer in the dags folder");
    const health = await fetch(`${kitelab.url}health`);
    assert.equal(health.status, 200);
    assert.equal(kitelab.child.exitCode, null, "the same process serves");
    assert.match(kitelab.output(), /Restarted in \d+\.\d s/);
  });

  it("refuses a config that does not load, naming the key, and keeps the scheduler as it was", async () => {
    writeFileSync(join(home.home, "airflow.cfg"), `[core]\ndags_folder = ${otherDags}\nparallelism = banana\n`);
    const response = await restart();
    const body = (await response.json()) as { detail?: string; title?: string };
    assert.equal(response.status, 400);
    assert.match(JSON.stringify(body), /parallelism/);
    assert.match(JSON.stringify(body), /keeps running as it was/);
    assert.ok((await dagIds()).includes("second_dag"));
  });

  it("stops cleanly after a restart", async () => {
    await kitelab.stop();
    assert.equal(kitelab.child.exitCode, 0, kitelab.output());
    assert.match(kitelab.output(), /Stopped\./);
  });
});
