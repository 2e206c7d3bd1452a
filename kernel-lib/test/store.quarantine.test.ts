import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { tempHome } from "./helpers/tempHome.js";
import { standaloneEnv } from "./helpers/standaloneEnv.js";
import { startStandaloneProcess } from "./helpers/standaloneProcess.js";
import { waitFor } from "./helpers/waitFor.js";

const BIN = fileURLToPath(new URL("../bin/kitelab.mjs", import.meta.url));
const run = promisify(execFile);

const DAG_SOURCE = `
import { DAG } from "kitelab";
const dag = new DAG({ dagId: "daily_sales", schedule: null, startDate: new Date("2024-01-01T00:00:00Z") });
dag.task("extract", async () => 42);
export default dag;
`;

async function kitelab(home: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [BIN, ...args], { env: standaloneEnv(home) });
  return stdout;
}

async function api(url: string, token: string, path: string, init: RequestInit = {}) {
  const response = await fetch(`${url}api/v1${path}`, {
    ...init,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
  });
  return (await response.json()) as Record<string, unknown>;
}

describe("one run file that cannot be read", () => {
  const home = tempHome("kitelab-quarantine-");
  after(() => home.cleanup());
  const store = join(home.home, "kitelab-store");
  const damaged = join(store, "runs", "daily_sales", "manual__broken.json");

  it("is set aside by the scheduler, which starts and says where; everything else keeps working, and the file can be put back", async () => {
    home.writeDag("daily_sales.ts", DAG_SOURCE);
    await kitelab(home.home, "variables", "set", "region", "eu");
    let standalone = await startStandaloneProcess(home.home);
    try {
      for (const runId of ["manual__good", "manual__broken"]) {
        await waitFor(
          "the DAG to be listed",
          async () => (await api(standalone.url, standalone.token, "/dags/daily_sales")).dag_id,
        );
        await api(standalone.url, standalone.token, "/dags/daily_sales/dagRuns", {
          method: "POST",
          body: JSON.stringify({ dag_run_id: runId }),
        });
        await waitFor(`run ${runId} to succeed`, async () => {
          const body = await api(standalone.url, standalone.token, `/dags/daily_sales/dagRuns/${runId}`);
          return body.state === "success" ? body : undefined;
        });
      }
    } finally {
      await standalone.stop();
    }

    const original = readFileSync(damaged, "utf8");
    writeFileSync(damaged, original.slice(0, Math.floor(original.length / 2)));

    // The CLI reads the store without the scheduler: it skips the file and says so.
    assert.match(await kitelab(home.home, "variables", "list"), /region\s+eu/);
    const runs = await kitelab(home.home, "dags", "list-runs", "daily_sales");
    assert.match(runs, /manual__good/);
    assert.doesNotMatch(runs, /manual__broken/);
    const infoBefore = await kitelab(home.home, "info");
    assert.match(infoBefore, /damaged_files\s+1/);
    assert.match(infoBefore, /run 'manual__broken' of DAG 'daily_sales' could not be read \(is not valid JSON/);
    assert.ok(existsSync(damaged), "a reader moves nothing");

    standalone = await startStandaloneProcess(home.home);
    try {
      assert.ok(!existsSync(damaged), "the scheduler moved the damaged file out of runs/");
      const [stamp] = readdirSync(join(store, "quarantine"));
      const aside = join(store, "quarantine", stamp!, "runs", "daily_sales", "manual__broken.json");
      assert.ok(existsSync(aside), `the damaged file is kept in ${aside}`);
      assert.match(
        standalone.output(),
        new RegExp(
          `run 'manual__broken' of DAG 'daily_sales' could not be read .* set aside in ${aside.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}; to restore it, stop the scheduler`,
        ),
      );

      const health = await fetch(`${standalone.url}health`);
      assert.equal(health.status, 200, "the store still works: healthy, with the damaged file listed");
      const report = (await health.json()) as { metadatabase: { damaged_files: Array<Record<string, unknown>> } };
      assert.equal(report.metadatabase.damaged_files.length, 1);
      const listed = report.metadatabase.damaged_files[0]!;
      assert.equal(listed.run_id, "manual__broken");
      assert.equal(listed.moved_to, join("quarantine", stamp!, "runs", "daily_sales", "manual__broken.json"));
      assert.ok(!JSON.stringify(report).includes(home.home), "no server path in the response");
      assert.match(String(listed.restore), /move them back to runs\/daily_sales\/manual__broken\.json/);

      const page = await (
        await fetch(`${standalone.url}dags/daily_sales`, { headers: { authorization: `Bearer ${standalone.token}` } })
      ).text();
      assert.match(page, /Run files set aside/);
      assert.match(page, /manual__broken/);

      const good = await api(standalone.url, standalone.token, "/dags/daily_sales/dagRuns/manual__good");
      assert.equal(good.state, "success", "the other run is untouched");
      const infoAfter = await kitelab(home.home, "info");
      assert.match(infoAfter, /damaged_files\s+1/);
      assert.ok(infoAfter.includes(`set aside in ${aside}`), infoAfter);

      await standalone.stop();
      // The advice, followed: repair the file and move it back.
      writeFileSync(aside, original);
      renameSync(aside, damaged);
      standalone = await startStandaloneProcess(home.home);
      const restored = await api(standalone.url, standalone.token, "/dags/daily_sales/dagRuns/manual__broken");
      assert.equal(restored.state, "success", "the restored run is back");
      const healthAfter = (await (await fetch(`${standalone.url}health`)).json()) as {
        metadatabase: { damaged_files: unknown[] };
      };
      assert.deepEqual(healthAfter.metadatabase.damaged_files, []);
    } finally {
      await standalone.stop();
    }
  });
});
