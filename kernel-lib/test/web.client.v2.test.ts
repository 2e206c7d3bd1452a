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

// Apache Airflow's own generated Python client for Airflow 3 (apache-airflow-client 3.1.3,
// installed by `npm run setup` from scripts/requirements-airflow3-client.txt into
// .venv/airflow3-client) against a real `kitelab standalone`: it logs in at POST /auth/token
// and drives /api/v2 with the access token it got.
const repo = fileURLToPath(new URL("../../", import.meta.url));
const python = join(repo, ".venv", "bin", "python");
const clientFolder = join(repo, ".venv", "airflow3-client");
const driver = fileURLToPath(new URL("./fixtures/airflow-client/drive_v2.py", import.meta.url));

interface Call {
  name: string;
  ok: boolean;
  error?: string;
}

function runDriver(baseUrl: string, token: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [driver, baseUrl, token], {
      stdio: ["ignore", "pipe", "pipe"],
      // Airflow 3's client shadows Airflow 2's (same import name) in .venv.
      env: { ...process.env, PYTHONPATH: clientFolder, PYTHONNOUSERSITE: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const missing = [python, clientFolder].find((path) => !existsSync(path));

describe(
  "Airflow 3's official Python client (apache-airflow-client 3.1) on kitelab standalone",
  { skip: missing === undefined ? false : `no ${missing}: run \`npm run setup\`` },
  () => {
    const home = tempHome("kitelab-client-v2-");
    let kitelab: StandaloneProcess;
    let calls: Call[] = [];

    before(async () => {
      for (const [name, source] of Object.entries(CONTRACT_DAGS)) home.writeDag(name, source);
      kitelab = await startStandaloneProcess(home.home);
      await waitFor(
        "the DAGs to be parsed",
        async () => {
          const response = await fetch(`${kitelab.url}api/v2/dags`, {
            headers: { authorization: `Bearer ${kitelab.token}` },
          });
          return ((await response.json()) as { total_entries: number }).total_entries === 3 ? true : undefined;
        },
        120_000,
      );
      const result = await runDriver(kitelab.url, kitelab.token);
      assert.equal(result.code, 0, `the client script failed:\n${result.stderr}`);
      calls = (JSON.parse(result.stdout) as { calls: Call[] }).calls;
    });

    after(async () => {
      await kitelab?.stop();
      home.cleanup();
    });

    it("runs Airflow 3's client, not Airflow 2's", async () => {
      const child = spawn(python, ["-c", "import airflow_client.client as c; print(c.__version__)"], {
        env: { ...process.env, PYTHONPATH: clientFolder, PYTHONNOUSERSITE: "1" },
      });
      let out = "";
      child.stdout.on("data", (chunk) => {
        out += chunk;
      });
      await new Promise((resolve) => child.once("close", resolve));
      assert.match(out.trim(), /^3\.1\./);
    });

    it("logs in and succeeds on every call a course makes", () => {
      const failed = calls.filter((call) => !call.ok).map((call) => `${call.name}: ${call.error}`);
      assert.deepEqual(failed, [], `${failed.length} of ${calls.length} calls failed:\n${failed.join("\n\n")}`);
      assert.equal(calls[0]?.name, "POST /auth/token");
      assert.ok(calls.length >= 55, `expected the whole tour, got ${calls.length} calls`);
    });
  },
);
