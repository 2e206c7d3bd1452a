import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { CONTRACT_DAGS } from "./helpers/contractDags.js";
import { startStandaloneProcess, type StandaloneProcess } from "./helpers/standaloneProcess.js";
import { tempHome } from "./helpers/tempHome.js";
import { waitFor } from "./helpers/waitFor.js";

// Apache Airflow's own generated Python client (apache-airflow-client 2.10.0, installed by
// `npm run setup` from scripts/requirements.txt) against a real `kitelab standalone`.
const repo = fileURLToPath(new URL("../../", import.meta.url));
const python = join(repo, ".venv", "bin", "python");
const driver = fileURLToPath(new URL("./fixtures/airflow-client/drive_v1.py", import.meta.url));

interface Call {
  name: string;
  ok: boolean;
  error?: string;
}

function runDriver(baseUrl: string, token: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [driver, baseUrl, token], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe(
  "Airflow's official Python client (apache-airflow-client 2.10) on kitelab standalone",
  { skip: existsSync(python) ? false : `no ${python}: run \`npm run setup\`` },
  () => {
    const home = tempHome("kitelab-client-");
    let kitelab: StandaloneProcess;
    let calls: Call[] = [];

    before(async () => {
      for (const [name, source] of Object.entries(CONTRACT_DAGS)) home.writeDag(name, source);
      kitelab = await startStandaloneProcess(home.home);
      await waitFor(
        "the DAGs to be parsed",
        async () => {
          const response = await fetch(`${kitelab.url}api/v1/dags`, {
            headers: { authorization: `Bearer ${kitelab.token}` },
          });
          return ((await response.json()) as { total_entries: number }).total_entries === 3 ? true : undefined;
        },
        120_000,
      );
      const result = await runDriver(`${kitelab.url}api/v1`, kitelab.token);
      assert.equal(result.code, 0, `the client script failed:\n${result.stderr}`);
      calls = (JSON.parse(result.stdout) as { calls: Call[] }).calls;
    });

    after(async () => {
      await kitelab?.stop();
      home.cleanup();
    });

    it("succeeds on every call a course makes", () => {
      const failed = calls.filter((call) => !call.ok).map((call) => `${call.name}: ${call.error}`);
      assert.deepEqual(failed, [], `${failed.length} of ${calls.length} calls failed:\n${failed.join("\n\n")}`);
      assert.ok(calls.length >= 50, `expected the whole tour, got ${calls.length} calls`);
    });
  },
);
