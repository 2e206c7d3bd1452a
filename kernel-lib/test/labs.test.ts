import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MySqlHook, PostgresHook, S3Hook, SqliteHook } from "../src/index.js";
import { mariaDbMissing, postgresMissing, startMariaDb, startPostgres } from "./helpers/servers/databases.js";
import { motoMissing, startMoto } from "./helpers/servers/moto.js";
import { copyLabsWithSolutions } from "./notebooks/labCopy.js";

const BIN = fileURLToPath(new URL("../bin/kitelab.mjs", import.meta.url));
const LABS = fileURLToPath(new URL("../../labs/", import.meta.url));
const lab = (...parts: string[]) => join(LABS, ...parts);

/** Runs the kitelab CLI with its own KITELAB_HOME, as a student would. */
function kitelab(args: string[], options: { home?: string; env?: Record<string, string> } = {}) {
  const home = options.home ?? mkdtempSync(join(tmpdir(), "kitelab-labs-"));
  const run = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, KITELAB_HOME: home, ...options.env },
    timeout: 60_000,
  });
  return { code: run.status, out: run.stdout, err: run.stderr, home };
}

const json = (path: string) => JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
/** The state column of a task in the summary table `dags test` prints last. */
const taskState = (out: string, taskId: string) =>
  new RegExp(`^${taskId}\\s+(\\S+)`, "m").exec(out.slice(out.lastIndexOf("task ")))?.[1];

describe("lab 1: first DAGs and file IO", () => {
  it("lab1_hello runs its three tasks in order with {{ ds }} rendered", () => {
    const run = kitelab(["dags", "test", lab("lab1-first-dags/dags/lab1_hello.ts"), "2024-01-01"]);
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /Today is 2024-01-01[\s\S]*greet said: greeted on 2024-01-01/);
  });

  it("lab1_train_predict as shipped: train works, predict fails with the stub's message (exercise 1)", () => {
    const run = kitelab(["dags", "test", lab("lab1-first-dags/dags/lab1_train_predict.ts"), "2024-01-01T06:00:00Z"]);
    assert.notEqual(run.code, 0);
    assert.equal(taskState(run.out, "train"), "success");
    assert.equal(taskState(run.out, "predict"), "failed");
    assert.match(run.out + run.err, /predictWithIO is not written yet \(lab 1, exercise 1\)/);
  });

  it("lab1_train_predict solved: the model and the predictions in {date}.csv (%Y%m%d-%H%M%S) and latest.csv", async () => {
    const solved = await copyLabsWithSolutions(
      fileURLToPath(new URL("../..", import.meta.url)),
      lab("lab1-first-dags"),
    );
    const file = join(solved.root, "labs", "lab1-first-dags", "dags", "lab1_train_predict.ts");
    const run = kitelab(["dags", "test", file, "2024-01-01T06:00:00Z"]);
    await solved.remove();
    assert.equal(run.code, 0, run.err);
    const dir = join(run.home, "labs", "lab1");
    assert.equal(
      json(join(dir, "model.json")).name,
      "multivariateLinearRegression",
      "ml.js's linear regression, saved as its toJSON() writes it",
    );
    const dated = readFileSync(join(dir, "predictions", "20240101-060000.csv"), "utf8");
    assert.equal(readFileSync(join(dir, "predictions", "latest.csv"), "utf8"), dated);
    const lines = dated.trim().split("\n");
    assert.equal(lines[0], "day,temperature_c,predicted_sales");
    assert.equal(lines.length, 8);
    const hot = Number(lines.find((line) => line.startsWith("day_5,"))!.split(",")[2]);
    const cold = Number(lines.find((line) => line.startsWith("day_7,"))!.split(",")[2]);
    assert.ok(hot > cold, "warmer days sell more ice cream");
  });
});

describe("lab 2: ML pipeline with email and status DAG", () => {
  it("runs the 7 steps, reaches about 90% accuracy, mails the report and records success", () => {
    const run = kitelab([
      "dags",
      "test",
      lab("lab2-ml-pipeline/dags/lab2_ml_pipeline.ts"),
      "--dag-id",
      "lab2_ml_pipeline",
    ]);
    assert.equal(run.code, 0, run.err);
    for (const task of [
      "load_data",
      "preprocess",
      "separate_outputs",
      "train_model",
      "evaluate_model",
      "send_success_email",
      "trigger_status_dag",
    ]) {
      assert.equal(taskState(run.out, task), "success", task);
    }
    assert.equal(taskState(run.out, "report_failure"), "skipped");
    const dir = join(run.home, "labs", "lab2");
    const report = json(join(dir, "report.json")) as {
      accuracy: number;
      precision: number;
      recall: number;
      support: number;
    };
    assert.ok(report.accuracy >= 0.85 && report.accuracy <= 0.97, `accuracy ${report.accuracy}`);
    assert.equal(report.support, 300, "30% of 1000 rows are held out");
    for (const file of ["X_train.csv", "y_train.csv", "X_test.csv", "y_test.csv", "model.json", "report.html"])
      assert.ok(existsSync(join(dir, file)), file);
    assert.equal(readFileSync(join(dir, "X_train.csv"), "utf8").trim().split("\n").length, 701);
    assert.match(run.out, /send_success_email: .*Lab 2: the advertising model is trained/);
    assert.equal(json(join(dir, "status.json")).status, "success");
  });

  it("a failed quality gate triggers the status DAG with failure and the run fails", () => {
    const run = kitelab([
      "dags",
      "test",
      lab("lab2-ml-pipeline/dags/lab2_ml_pipeline.ts"),
      "--dag-id",
      "lab2_ml_pipeline",
      "--conf",
      '{"min_accuracy": 0.99}',
    ]);
    assert.equal(run.code, 1);
    assert.equal(taskState(run.out, "evaluate_model"), "failed");
    assert.equal(taskState(run.out, "send_success_email"), "upstream_failed");
    assert.equal(taskState(run.out, "report_failure"), "success");
    assert.equal(json(join(run.home, "labs", "lab2", "status.json")).status, "failure");
  });
});

describe("lab 3: remote store and dated model folders", () => {
  const repo = fileURLToPath(new URL("../..", import.meta.url));

  it("as shipped, the DAG is declared with no task: the student writes them (exercises 1 and 2)", () => {
    const run = kitelab(["dags", "test", lab("lab3-remote-store/dags/lab3_remote_store.ts"), "2024-01-01T12:00:00Z"]);
    assert.equal(run.code, 0, run.err);
    assert.match(run.err, /DAG 'lab3_remote_store' has no tasks/);
  });

  it(
    "solved, through a real S3 API (moto): publishes the dataset, downloads it, uploads the model under models/{{ ds }}/ and deletes the ds-suffixed local files",
    { skip: motoMissing() },
    async () => {
      const moto = await startMoto();
      const solved = await copyLabsWithSolutions(repo, lab("lab3-remote-store"));
      try {
        const home = mkdtempSync(join(tmpdir(), "kitelab-lab3-"));
        const env = { AIRFLOW_CONN_AWS_DEFAULT: moto.connectionJson };
        const seed = kitelab(["dags", "test", lab("lab3-remote-store/dags/lab3_seed_store.ts")], { home, env });
        assert.equal(seed.code, 0, seed.err);
        assert.match(
          seed.out,
          /Created the bucket kitelab-lab3[\s\S]*Published s3:\/\/kitelab-lab3\/datasets\/petrol_consumption.csv/,
        );
        const run = kitelab(
          [
            "dags",
            "test",
            join(solved.root, "labs/lab3-remote-store/dags/lab3_remote_store.ts"),
            "2024-01-01T12:00:00Z",
          ],
          { home, env },
        );
        assert.equal(run.code, 0, run.err);
        process.env.AIRFLOW_CONN_AWS_DEFAULT = moto.connectionJson;
        try {
          const s3 = new S3Hook();
          assert.deepEqual(await s3.listKeys("kitelab-lab3"), [
            "datasets/petrol_consumption.csv",
            "models/2024-01-01/random_forest.json",
          ]);
          const saved = JSON.parse(await s3.readKey("models/2024-01-01/random_forest.json", "kitelab-lab3")) as {
            metrics: { r2: number };
          };
          assert.ok(saved.metrics.r2 > 0, `R² ${saved.metrics.r2}`);
        } finally {
          delete process.env.AIRFLOW_CONN_AWS_DEFAULT;
        }
        assert.match(run.out, /removed '.*petrol_consumption_20240101\.csv'/);
        assert.match(run.out, /removed '.*random_forest_2024-01-01\.json'/);
        assert.deepEqual(readdirSync(join(home, "labs", "lab3", "work")), []);
      } finally {
        await solved.remove();
        await moto.stop();
      }
    },
  );

  it("solved, without the connection, the download fails with a message that says how to add it", async () => {
    const solved = await copyLabsWithSolutions(repo, lab("lab3-remote-store"));
    const run = kitelab(
      ["dags", "test", join(solved.root, "labs/lab3-remote-store/dags/lab3_remote_store.ts"), "2024-01-01T12:00:00Z"],
      { env: { AIRFLOW_CONN_AWS_DEFAULT: "" } },
    );
    await solved.remove();
    assert.equal(run.code, 1);
    assert.match(
      run.err + run.out,
      /No connection 'aws_default'. Define it with `kitelab connections add aws_default --conn-type aws --conn-login <access key id>/,
    );
  });

  it("is scheduled at noon daily with one active run and a task concurrency limit; solved, its path params hold the macros", async () => {
    const { dag } = await import(lab("lab3-remote-store/dags/lab3_remote_store.ts"));
    assert.equal(dag.schedule, "0 12 * * *");
    assert.equal(dag.maxActiveRuns, 1);
    assert.equal(dag.maxActiveTasks, 2);
    const solved = await copyLabsWithSolutions(repo, lab("lab3-remote-store"));
    const { dag: solvedDag } = await import(join(solved.root, "labs/lab3-remote-store/dags/lab3_remote_store.ts"));
    await solved.remove();
    assert.match(String(solvedDag.params.dataset_path), /\{\{ ds_nodash \}\}/);
    assert.match(String(solvedDag.params.model_path), /\{\{ ds \}\}/);
  });
});

describe("lab 4: database and master DAG", () => {
  it("the master triggers clear, load, preprocess and train in order; tables and models are written; the API predicts", async () => {
    const home = mkdtempSync(join(tmpdir(), "kitelab-lab4-"));
    const dbFile = join(home, "labs", "lab4", "penguins.db");
    const env = {
      AIRFLOW_CONN_LAB4_DB: JSON.stringify({
        conn_type: "sqlite",
        host: dbFile,
        schema: "main",
        login: "student",
        password: "change-me",
        port: 0,
      }),
    };
    const run = kitelab(
      ["dags", "test", lab("lab4-database-master-dag/dags/lab4_penguins.ts"), "--dag-id", "lab4_master"],
      { home, env },
    );
    assert.equal(run.code, 0, run.err);
    const order = [...run.out.matchAll(/Triggering DAG '(\w+)'/g)].map((match) => match[1]);
    assert.deepEqual(order, ["lab4_clear_db", "lab4_load_raw", "lab4_preprocess", "lab4_train"]);
    assert.match(run.out, /Loaded 344 rows into penguins_raw/);
    assert.match(run.out, /344 raw rows, 11 dropped for missing values, 333 kept/);

    process.env.AIRFLOW_CONN_LAB4_DB = env.AIRFLOW_CONN_LAB4_DB;
    try {
      const db = new SqliteHook({ sqliteConnId: "lab4_db" });
      assert.deepEqual(await db.getRecords("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"), [
        ["model_metrics"],
        ["penguins_raw"],
        ["penguins_test"],
        ["penguins_train"],
        ["scaler_stats"],
      ]);
      assert.deepEqual(await db.getFirst("SELECT COUNT(*) FROM penguins_raw"), [344]);
      assert.deepEqual(
        await db.getFirst("SELECT COUNT(*) FROM penguins_raw WHERE sex = 'NA'"),
        [11],
        "the raw table keeps the CSV's NA",
      );
      for (const [model, accuracy] of (await db.getRecords("SELECT model, test_accuracy FROM model_metrics")) as Array<
        [string, number]
      >)
        assert.ok(accuracy > 0.9, `${model}: ${accuracy}`);
    } finally {
      delete process.env.AIRFLOW_CONN_LAB4_DB;
    }

    const modelsDir = join(home, "labs", "lab4", "models");
    const { createInferenceApp } = await import(lab("lab4-database-master-dag/api/server.ts"));
    const server = createInferenceApp(modelsDir).listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const models = (await (await fetch(`${base}/models`)).json()) as Array<{ name: string }>;
      assert.deepEqual(
        models.map((model) => model.name),
        ["decision_tree", "logistic_regression"],
      );
      const gentoo = {
        island: "Biscoe",
        sex: "male",
        bill_length_mm: 49,
        bill_depth_mm: 15.5,
        flipper_length_mm: 222,
        body_mass_g: 5500,
      };
      const adelie = {
        island: "Torgersen",
        sex: "female",
        bill_length_mm: 37.5,
        bill_depth_mm: 18,
        flipper_length_mm: 188,
        body_mass_g: 3400,
      };
      for (const model of ["decision_tree", "logistic_regression"]) {
        const ask = async (penguin: object) =>
          (await (
            await fetch(`${base}/predict`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ model, penguin }),
            })
          ).json()) as { species: string };
        assert.equal((await ask(gentoo)).species, "Gentoo", model);
        assert.equal((await ask(adelie)).species, "Adelie", model);
      }
      const unknown = await fetch(`${base}/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "nope", penguin: gentoo }),
      });
      assert.equal(unknown.status, 404);
      const bad = await fetch(`${base}/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "decision_tree", penguin: { ...gentoo, island: "Mars" } }),
      });
      assert.equal(bad.status, 400);
      assert.match(((await bad.json()) as { error: string }).error, /`island` must be one of Biscoe, Dream, Torgersen/);
    } finally {
      server.close();
    }
  });

  const servers = {
    postgres: {
      missing: postgresMissing,
      start: startPostgres,
      hook: () => new PostgresHook({ postgresConnId: "lab4_db" }),
    },
    mysql: { missing: mariaDbMissing, start: startMariaDb, hook: () => new MySqlHook({ mysqlConnId: "lab4_db" }) },
  };
  for (const [connType, server] of Object.entries(servers)) {
    it(
      `runs unchanged on ${connType === "mysql" ? "MariaDB (a mysql connection)" : "Postgres"}: only the connection lab4_db changes`,
      { skip: server.missing() },
      async () => {
        const database = await server.start();
        try {
          const uri = `${connType}://${database.login}:${encodeURIComponent(database.password)}@${database.host}:${database.port}/${database.schema}`;
          const run = kitelab(
            ["dags", "test", lab("lab4-database-master-dag/dags/lab4_penguins.ts"), "--dag-id", "lab4_master"],
            { env: { AIRFLOW_CONN_LAB4_DB: uri } },
          );
          assert.equal(run.code, 0, run.err + run.out);
          assert.match(
            run.out,
            new RegExp(
              `Connected to lab4_db: ${connType} 127.0.0.1 .* with ${connType === "mysql" ? "MySqlHook" : "PostgresHook"}`,
            ),
          );
          assert.match(run.out, /344 raw rows, 11 dropped for missing values, 333 kept/);
          assert.doesNotMatch(run.out + run.err, new RegExp(database.password), "the password never reaches a log");
          process.env.AIRFLOW_CONN_LAB4_DB = uri;
          try {
            const db = server.hook();
            assert.equal(Number((await db.getFirst("SELECT COUNT(*) FROM penguins_raw"))![0]), 344);
            assert.equal(
              Number((await db.getFirst("SELECT COUNT(*) FROM penguins_train"))![0]) +
                Number((await db.getFirst("SELECT COUNT(*) FROM penguins_test"))![0]),
              333,
            );
            for (const [model, accuracy] of (await db.getRecords(
              "SELECT model, test_accuracy FROM model_metrics",
            )) as Array<[string, number]>)
              assert.ok(accuracy > 0.9, `${model}: ${accuracy}`);
          } finally {
            delete process.env.AIRFLOW_CONN_LAB4_DB;
          }
        } finally {
          await database.stop();
        }
      },
    );
  }

  it("every step DAG is manual-only without catch-up", async () => {
    const module = await import(lab("lab4-database-master-dag/dags/lab4_penguins.ts"));
    for (const dag of [module.clearDb, module.loadRaw, module.preprocess, module.train, module.master]) {
      assert.equal(dag.schedule, null, dag.dagId);
      assert.equal(dag.catchup, false, dag.dagId);
    }
  });
});

describe("lab 5: drift, data intervals, cleanup", () => {
  const env = {
    AIRFLOW_CONN_LAB5_COMPUTE: JSON.stringify({ conn_type: "http", host: "gpu.example.internal", port: 443 }),
    AIRFLOW_VAR_LAB5_API_TOKEN: "tok-lab5-secret-value",
  };

  it("the run for the week starting 2021-01-04 covers [2021-01-04, 2021-01-11) and runs on 2021-01-11", () => {
    const preview = kitelab([
      "schedule",
      "preview",
      "--schedule",
      "0 5 * * 1",
      "--start-date",
      "2021-01-04",
      "--now",
      "2021-01-12T00:00:00Z",
      "--json",
    ]);
    assert.equal(preview.code, 0, preview.err);
    const first = (JSON.parse(preview.out) as { due: Array<Record<string, string>> }).due[0]!;
    assert.equal(first.logicalDate, "2021-01-04T05:00:00.000Z");
    assert.equal(first.dataIntervalEnd, "2021-01-11T05:00:00.000Z");
    assert.equal(first.runAfter, "2021-01-11T05:00:00.000Z");
  });

  // dags/lab5_retrain.ts is the exercises' stub: publish_metrics fails until the student writes it
  // (notebook 05 runs solutions/dags/lab5_retrain.ts, which writes the metrics files).
  it("evaluates the week's data, never prints the token, releases the machine, and fails at the exercise's publish_metrics", () => {
    const run = kitelab(
      [
        "dags",
        "test",
        lab("lab5-drift-backfill/dags/lab5_retrain.ts"),
        "2021-01-11T05:00:00Z",
        "--max-retry-delay",
        "0s",
      ],
      { env },
    );
    assert.equal(run.code, 1, run.err);
    assert.match(run.out, /Data interval \[2021-01-04T05:00:00.000Z, 2021-01-11T05:00:00.000Z\): 280 applications/);
    assert.equal(taskState(run.out, "evaluate"), "success");
    assert.equal(taskState(run.out, "publish_metrics"), "failed");
    assert.match(run.out + run.err, /publish_metrics is not written yet \(Exercise 1\)/);
    assert.equal(taskState(run.out, "release_compute"), "success");
    assert.ok(evaluated(run.out).retrained > 75, run.out);
    assert.doesNotMatch(run.out + run.err, /tok-lab5-secret-value/);
    assert.deepEqual(readdirSync(join(run.home, "labs", "lab5", "scratch")), []);
  });

  it("ten weeks later the stale model has drifted and the one retrained on two weeks holds", () => {
    const run = kitelab(
      [
        "dags",
        "test",
        lab("lab5-drift-backfill/dags/lab5_retrain.ts"),
        "2021-03-15T05:00:00Z",
        "--conf",
        '{"window_weeks": 2}',
        "--max-retry-delay",
        "0s",
      ],
      { env },
    );
    assert.equal(taskState(run.out, "evaluate"), "success", run.out);
    const metrics = evaluated(run.out);
    assert.ok(metrics.retrained > metrics.stale + 10, JSON.stringify(metrics));
    assert.ok(metrics.psi > 0.25, "the income distribution moved");
  });

  it("when training fails, the all_done cleanup still runs and the run fails", () => {
    const run = kitelab(
      [
        "dags",
        "test",
        lab("lab5-drift-backfill/dags/lab5_retrain.ts"),
        "2021-01-11T05:00:00Z",
        "--conf",
        '{"fail_training": true}',
        "--max-retry-delay",
        "0s",
      ],
      { env },
    );
    assert.equal(run.code, 1);
    assert.equal(taskState(run.out, "retrain"), "failed");
    assert.equal(taskState(run.out, "publish_metrics"), "upstream_failed");
    assert.equal(taskState(run.out, "release_compute"), "success");
    assert.deepEqual(readdirSync(join(run.home, "labs", "lab5", "scratch")), []);
  });

  it("is weekly on Mondays at 05:00 from 2021-01-04, with an all_done cleanup", async () => {
    const { dag } = await import(lab("lab5-drift-backfill/dags/lab5_retrain.ts"));
    assert.equal(dag.schedule, "0 5 * * 1");
    assert.equal(dag.startDate.toISOString(), "2021-01-04T00:00:00.000Z");
    assert.equal(dag.getTask("release_compute").settings.triggerRule, "all_done");
  });
});

describe("the labs' shipped files", () => {
  it("each shipped CSV is exactly what its seeded generator writes", async () => {
    for (const folder of ["lab1-first-dags", "lab2-ml-pipeline", "lab3-remote-store", "lab4-database-master-dag"]) {
      const { files } = (await import(lab(folder, "data", "generate.ts"))) as { files: () => Record<string, string> };
      for (const [name, text] of Object.entries(files()))
        assert.equal(readFileSync(lab(folder, "data", name), "utf8"), text, `${folder}/data/${name}`);
    }
  });

  it("every file a README tells the student to run exists", () => {
    for (const folder of readdirSync(LABS).filter((name) => name.startsWith("lab"))) {
      const readme = readFileSync(lab(folder, "README.md"), "utf8");
      const paths = [...readme.matchAll(/(labs\/[\w./-]+\.ts)/g)].map((match) => match[1]!);
      assert.ok(paths.length > 0, `${folder}/README.md names no file to run`);
      for (const path of paths) assert.ok(existsSync(join(LABS, "..", path)), `${folder}/README.md names ${path}`);
    }
  });
});

/** The figures evaluate logs: accuracies in percent and the income PSI. */
function evaluated(out: string): { retrained: number; stale: number; psi: number } {
  const match = /retrained model ([\d.]+)%, stale model ([\d.]+)%, income drift \(PSI\) ([\d.]+)/.exec(out);
  assert.ok(match, `evaluate logged no metrics:\n${out}`);
  return { retrained: Number(match[1]), stale: Number(match[2]), psi: Number(match[3]) };
}
