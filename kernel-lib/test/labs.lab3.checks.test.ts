// Lab 3's checks on a student's DAG that runs but uploads the model to the wrong key: the
// scheduler runs it against a real S3 API (moto), and `kitelab check lab3 --json` says
// exactly what is missing, naming the folder it looked in and what the bucket holds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { configure, linkDagFile, startScheduler } from "../src/index.js";
import { motoMissing, startMoto } from "./helpers/servers/moto.js";
import { runningScheduler } from "../src/cli/schedulerClient.js";
import { copyLabsWithSolutions } from "./notebooks/labCopy.js";
import { repoRoot } from "./notebooks/runNotebook.js";

const BIN = fileURLToPath(new URL("../bin/kitelab.mjs", import.meta.url));

interface CheckJson {
  lab: string;
  checks: Array<{ id: string; passed: boolean; hint: string; detail?: string }>;
  passed: number;
  total: number;
}

test(
  "kitelab check lab3: a model uploaded outside models/<ds>/ is not met, naming the folder and what the bucket holds",
  { skip: motoMissing(), timeout: 5 * 60_000 },
  async () => {
    const moto = await startMoto();
    const student = await copyLabsWithSolutions(repoRoot, join(repoRoot, "labs", "lab3-remote-store"));
    const home = mkdtempSync(join(tmpdir(), "kitelab-lab3-checks-"));
    const saved = { home: process.env.KITELAB_HOME, conn: process.env.AIRFLOW_CONN_AWS_DEFAULT };
    process.env.KITELAB_HOME = home;
    process.env.AIRFLOW_CONN_AWS_DEFAULT = moto.connectionJson;
    const dagFile = join(student.lab, "dags", "lab3_remote_store.ts");
    // The student's mistake: one fixed folder instead of one per logical date. No schedule, so
    // the manual run below is the only run.
    const solved = readFileSync(dagFile, "utf8");
    const mistaken = solved
      .replace(/`models\/\$\{context\.ds\}\//, "`models/latest/")
      .replace('schedule: "0 12 * * *"', "schedule: null");
    assert.notEqual(mistaken, solved);
    writeFileSync(dagFile, mistaken);
    let scheduler: Awaited<ReturnType<typeof startScheduler>> | undefined;
    try {
      configure({ core: { dags_folder: join(home, "dags"), load_examples: false } }, { quiet: true });
      scheduler = await startScheduler({ quiet: true });
      const seedFile = await linkDagFile(join(student.lab, "dags", "lab3_seed_store.ts"), { quiet: true });
      const pipelineFile = await linkDagFile(dagFile, { quiet: true });
      await scheduler.waitForDag("lab3_seed_store", { file: seedFile });
      await scheduler.waitForDag("lab3_remote_store", { file: pipelineFile });
      await scheduler.unpause("lab3_seed_store");
      const seed = await scheduler.trigger("lab3_seed_store");
      assert.equal((await scheduler.waitForRun("lab3_seed_store", seed.runId)).state, "success");
      await scheduler.unpause("lab3_remote_store");
      const run = await scheduler.trigger("lab3_remote_store", { logicalDate: "2024-01-10T12:00:00Z" });
      assert.equal(
        (await scheduler.waitForRun("lab3_remote_store", run.runId, { timeoutMs: 120_000 })).state,
        "success",
      );

      const result = spawnSync(process.execPath, [BIN, "check", "lab3", "--json", "--lab-dir", student.lab], {
        encoding: "utf8",
        env: { ...process.env },
        timeout: 120_000,
      });
      assert.equal(result.status, 1, result.stderr);
      const report = JSON.parse(result.stdout) as CheckJson;
      const byId = new Map(report.checks.map((check) => [check.id, check]));
      assert.equal(byId.get("download_dataset")?.passed, true, JSON.stringify(byId.get("download_dataset")));
      assert.equal(byId.get("train_with_path_params")?.passed, true);
      assert.equal(byId.get("local_files_deleted")?.passed, true, JSON.stringify(byId.get("local_files_deleted")));
      const upload = byId.get("model_uploaded");
      assert.equal(upload?.passed, false);
      assert.equal(
        upload?.detail,
        `upload_model succeeded in ${run.runId}, but there is no object under models/2024-01-10/ in bucket kitelab-lab3 (the bucket holds: datasets/petrol_consumption.csv, models/latest/random_forest.json)`,
      );
      assert.match(upload?.hint ?? "", /models\/<context.ds>\/random_forest.json/);
      assert.deepEqual([report.passed, report.total], [3, 4]);
    } finally {
      if (scheduler) await scheduler.stop();
      else {
        const left = runningScheduler(home); // startScheduler gave up before it was ready
        if (left) process.kill(left.pid, "SIGTERM");
      }
      process.env.KITELAB_HOME = saved.home;
      process.env.AIRFLOW_CONN_AWS_DEFAULT = saved.conn;
      if (saved.home === undefined) delete process.env.KITELAB_HOME;
      if (saved.conn === undefined) delete process.env.AIRFLOW_CONN_AWS_DEFAULT;
      await student.remove();
      await moto.stop();
    }
  },
);
