import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempHome } from "./helpers/tempHome.js";

const BIN = fileURLToPath(new URL("../bin/kitelab.mjs", import.meta.url));

const INTERVAL_DAG = `import { DAG, BashOperator } from "kitelab";
export const dag = new DAG({ dagId: "interval", schedule: "@daily", startDate: "2024-01-01" });
new BashOperator({ dag, taskId: "show", bashCommand: "echo interval: {{ data_interval_start }} .. {{ data_interval_end }}" });
`;

function dagsTest(
  home: { home: string; dags: string },
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(KITELAB|AIRFLOW)(__|_HOME$|_CONFIG$)/.test(name)),
  );
  const child = spawn(process.execPath, [BIN, "dags", "test", ...args], {
    env: {
      ...env,
      KITELAB_HOME: home.home,
      KITELAB__CORE__LOAD_EXAMPLES: "false",
      KITELAB__CORE__DAGS_FOLDER: home.dags,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

describe("kitelab dags test follows airflow.cfg's schedule semantics, as the scheduler does", () => {
  const home = tempHome();
  home.writeDag("interval.ts", INTERVAL_DAG);
  after(() => home.cleanup());

  it("by default (Airflow 2's data intervals) a manual run on 2024-03-05 covers the day before", async () => {
    writeFileSync(join(home.home, "airflow.cfg"), "[scheduler]\ncreate_cron_data_intervals = True\n");
    const result = await dagsTest(home, ["interval", "2024-03-05T00:00:00Z"]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /interval: 2024-03-04 00:00:00\+00:00 \.\. 2024-03-05 00:00:00\+00:00/);
  });

  it("with create_cron_data_intervals = False (Airflow 3) the run covers its own instant", async () => {
    writeFileSync(join(home.home, "airflow.cfg"), "[scheduler]\ncreate_cron_data_intervals = False\n");
    const result = await dagsTest(home, ["interval", "2024-03-05T00:00:00Z"]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /interval: 2024-03-05 00:00:00\+00:00 \.\. 2024-03-05 00:00:00\+00:00/);
  });
});

describe("kitelab dags test takes [core] max_active_tasks_per_dag for a DAG that sets no maxActiveTasks", () => {
  const home = tempHome();
  const trace = join(home.home, "trace.txt");
  home.writeDag(
    "pair.ts",
    `import { DAG } from "kitelab";
import { appendFileSync } from "node:fs";
export const dag = new DAG({ dagId: "pair", schedule: null });
for (const id of ["left", "right"])
  dag.task(id, async () => {
    appendFileSync(${JSON.stringify(trace)}, "start " + id + "\\n");
    await new Promise((resolve) => setTimeout(resolve, 300));
    appendFileSync(${JSON.stringify(trace)}, "end " + id + "\\n");
  });
`,
  );
  after(() => home.cleanup());

  const steps = async (cfg: string) => {
    writeFileSync(join(home.home, "airflow.cfg"), cfg);
    writeFileSync(trace, "");
    const result = await dagsTest(home, ["pair"]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const { readFileSync } = await import("node:fs");
    return readFileSync(trace, "utf8").trim().split("\n");
  };

  it("with max_active_tasks_per_dag = 1 the two independent tasks run one after the other", async () => {
    const lines = await steps("[core]\nmax_active_tasks_per_dag = 1\n");
    assert.deepEqual(
      lines.map((line) => line.split(" ")[0]),
      ["start", "end", "start", "end"],
    );
  });

  it("with the default (16) they run side by side", async () => {
    const lines = await steps("");
    assert.deepEqual(
      lines.map((line) => line.split(" ")[0]),
      ["start", "start", "end", "end"],
    );
  });
});
