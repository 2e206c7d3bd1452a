import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { tempHome } from "./helpers/tempHome.js";
import { startStandaloneProcess } from "./helpers/standaloneProcess.js";
import { waitFor } from "./helpers/waitFor.js";

/** A DAG file whose import never ends (without spinning a core: the shared machine needs it). */
const HANGS = `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10 * 60_000);\nexport {};\n`;

const GOOD = (id: string) => `
import { DAG } from "kitelab";
const dag = new DAG({ dagId: "${id}", schedule: null, startDate: new Date("2024-01-01T00:00:00Z") });
dag.task("extract", async () => "${id}");
export default dag;
`;

async function api(url: string, token: string, path: string, init: RequestInit = {}) {
  const response = await fetch(`${url}api/v1${path}`, {
    ...init,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
  });
  return (await response.json()) as Record<string, unknown>;
}

interface ImportErrorBody {
  filename: string;
  stack_trace: string;
}

describe("a DAG file whose import hangs", () => {
  const home = tempHome("kitelab-hang-");
  after(() => home.cleanup());

  it("holds neither the start nor the other files: they are listed and run while it imports; then it is an import error naming the file and the timeout key", async () => {
    const hanging = home.writeDag("a_hangs.ts", HANGS);
    const good = ["b_sales", "c_stock", "d_prices", "e_orders"];
    for (const id of good) home.writeDag(`${id}.ts`, GOOD(id));
    const timeoutSeconds = 30;
    const started = Date.now();
    const standalone = await startStandaloneProcess(home.home, {
      KITELAB__CORE__DAGBAG_IMPORT_TIMEOUT: String(timeoutSeconds),
    });
    try {
      const importErrors = async () =>
        (await api(standalone.url, standalone.token, "/importErrors")).import_errors as ImportErrorBody[];
      const health = (await (await fetch(`${standalone.url}health`)).json()) as { scheduler: { status: string } };
      assert.equal(health.scheduler.status, "healthy", "the heartbeat runs while the file imports");
      // Had the start waited for the hanging file, its timeout would already be recorded.
      assert.deepEqual(await importErrors(), [], "the start did not wait for the hanging file's timeout");
      const listed = ((await api(standalone.url, standalone.token, "/dags")).dags as Array<{ dag_id: string }>).map(
        (dag) => dag.dag_id,
      );
      assert.deepEqual(listed.sort(), good);

      for (const id of good)
        await api(standalone.url, standalone.token, `/dags/${id}/dagRuns`, {
          method: "POST",
          body: JSON.stringify({ dag_run_id: "manual__now" }),
        });
      for (const id of good)
        await waitFor(
          `the run of ${id} to succeed`,
          async () => {
            const body = await api(standalone.url, standalone.token, `/dags/${id}/dagRuns/manual__now`);
            assert.notEqual(body.state, "failed");
            return body.state === "success" ? body : undefined;
          },
          120_000,
        );
      assert.deepEqual(await importErrors(), [], "every good DAG ran while the hanging file was still importing");
      const ranWithin = Date.now() - started;

      const [problem] = await waitFor(
        "the hanging file's import error",
        async () => {
          const errors = await importErrors();
          return errors.length > 0 ? errors : undefined;
        },
        (timeoutSeconds + 60) * 1000,
      );
      assert.ok(problem);
      assert.equal(problem.filename, hanging);
      assert.match(problem.stack_trace, /^ImportTimeout: importing this file took longer than 30s/);
      assert.match(problem.stack_trace, /\[core\] dagbag_import_timeout/);
      assert.ok(
        Date.now() - started >= timeoutSeconds * 1000,
        "the import error comes from the timeout, not from a crash",
      );
      const listedAfter = (await api(standalone.url, standalone.token, "/dags")).dags as unknown[];
      assert.equal(listedAfter.length, good.length, "the timeout removes no good DAG");
      process.stdout.write(`# good DAGs listed and run ${ranWithin} ms after the start (import timeout 30 s)\n`);
    } finally {
      await standalone.stop();
    }
  });
});
