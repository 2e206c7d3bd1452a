/**
 * Lab 4: a database and a master DAG. One DAG per step, each manual-only (schedule null,
 * no catch-up) so the master is in full control:
 *   lab4_clear_db -> lab4_load_raw -> lab4_preprocess -> lab4_train
 * lab4_master triggers them in that order, each waiting for the previous one to finish.
 * The database is named by the connection lab4_db: sqlite (host = the file) by default; a
 * postgres or mysql connection runs the same DAGs on that server instead.
 * Try: kitelab dags test labs/lab4-database-master-dag/dags/lab4_penguins.ts --dag-id lab4_master
 */
import { mkdir, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chain, DAG, readCsv, requireConnection, TriggerDagRunOperator, type TaskContext } from "kitelab";
import { loadClassifier, trainDecisionTree, trainLogisticRegression } from "../lib/models.js";
import { LAB_TABLES, LabDatabase, type Column, type TableRow } from "../lib/database.js";
import {
  computeScalerStats,
  encodePenguin,
  FEATURE_COLUMNS,
  penguinProblem,
  type RawPenguin,
  type ScalerStats,
} from "../lib/penguinFeatures.js";
import { accuracy, trainTestSplit } from "../../shared/index.js";

const labDir = join(process.env.KITELAB_HOME ?? join(homedir(), "kitelab"), "labs", "lab4");
const DB_EXAMPLE = `--conn-type sqlite --conn-host ${join(labDir, "penguins.db")} --conn-schema main --conn-login student --conn-password change-me --conn-port 0`;

/** The database behind the connection lab4_db. */
function database(context: TaskContext): LabDatabase {
  const connection = requireConnection(context, "lab4_db", DB_EXAMPLE);
  const db = LabDatabase.fromConnection(connection.connId);
  context.log.info(
    `Connected to ${connection.connId}: ${connection.connType} ${connection.host} (schema ${connection.schema ?? "-"}, login ${connection.login ?? "-"}, port ${connection.port ?? "-"}) with ${db.hook.constructor.name}`,
  );
  return db;
}

const text = (name: string): Column => ({ name, type: "TEXT" });
const number = (name: string): Column => ({ name, type: "DOUBLE PRECISION" });
/** The CSV's columns: the raw table keeps every value as the CSV wrote it, "NA" included. */
const RAW_COLUMNS = ["species", "island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex"];
const TRAINING_COLUMNS = [...FEATURE_COLUMNS.map(number), text("species")];

const stepDefaults = { schedule: null, catchup: false, tags: ["lab4"] };

export const clearDb = new DAG({ ...stepDefaults, dagId: "lab4_clear_db", description: "Step 1: drop every table" });
clearDb.task("drop_tables", async (context) => {
  await database(context).dropLabTables();
  context.log.info(`Dropped ${LAB_TABLES.join(", ")} (those that existed)`);
  return [...LAB_TABLES];
});

export const loadRaw = new DAG({
  ...stepDefaults,
  dagId: "lab4_load_raw",
  description: "Step 2: load the raw penguins CSV unchanged",
  params: { source: fileURLToPath(new URL("../data/penguins.csv", import.meta.url)) },
});
loadRaw.task("load_penguins_raw", async (context) => {
  const rows = (await readCsv(String(context.params.source))).map((row) =>
    Object.fromEntries(RAW_COLUMNS.map((column) => [column, String(row[column])])),
  );
  await database(context).writeTable("penguins_raw", RAW_COLUMNS.map(text), rows);
  context.log.info(`Loaded ${rows.length} rows into penguins_raw, missing values ("NA") included`);
  return { table: "penguins_raw", rows: rows.length };
});

export const preprocess = new DAG({
  ...stepDefaults,
  dagId: "lab4_preprocess",
  description: "Step 3: drop incomplete rows, split, standardize, one-hot encode",
  params: { test_size: 0.2, seed: 42 },
});
preprocess.task("build_training_tables", async (context) => {
  const db = database(context);
  const raw = (await db.readTable("penguins_raw", RAW_COLUMNS)).map(fromRawText);
  const complete = raw.filter((row) => penguinProblem(row) === undefined);
  context.log.info(
    `${raw.length} raw rows, ${raw.length - complete.length} dropped for missing values, ${complete.length} kept`,
  );
  const { train, test } = trainTestSplit(complete, {
    testSize: Number(context.params.test_size),
    seed: Number(context.params.seed),
  });
  const stats = computeScalerStats(train);
  const encode = (rows: typeof complete): TableRow[] =>
    rows.map((row) => ({
      ...Object.fromEntries(FEATURE_COLUMNS.map((column, i) => [column, encodePenguin(row, stats)[i]!])),
      species: row.species,
    }));
  await db.writeTable("penguins_train", TRAINING_COLUMNS, encode(train));
  await db.writeTable("penguins_test", TRAINING_COLUMNS, encode(test));
  await db.writeTable(
    "scaler_stats",
    [text("column_name"), number("mean"), number("std")],
    Object.entries(stats).map(([column, { mean, std }]) => ({ column_name: column, mean, std })),
  );
  context.log.info(
    `penguins_train: ${train.length} rows, penguins_test: ${test.length} rows, ${FEATURE_COLUMNS.length} features`,
  );
  return { train: train.length, test: test.length };
});

export const train = new DAG({
  ...stepDefaults,
  dagId: "lab4_train",
  description: "Step 4: train two classifiers from the preprocessed tables and save them to the models folder",
  params: { models_dir: join(labDir, "models") },
});
train.task("train_models", async (context) => {
  const db = database(context);
  const split = async (table: string) => {
    const rows = await db.readTable(
      table,
      TRAINING_COLUMNS.map((column) => column.name),
    );
    return {
      X: rows.map((row) => FEATURE_COLUMNS.map((column) => Number(row[column]))),
      y: rows.map((row) => String(row.species)),
    };
  };
  const trainSet = await split("penguins_train");
  const testSet = await split("penguins_test");
  const scaler = Object.fromEntries(
    (await db.readTable("scaler_stats", ["column_name", "mean", "std"])).map((row) => [
      String(row.column_name),
      { mean: Number(row.mean), std: Number(row.std) },
    ]),
  ) as ScalerStats;
  const candidates = {
    logistic_regression: trainLogisticRegression(trainSet.X, trainSet.y, { numSteps: 500, learningRate: 0.01 }),
    decision_tree: trainDecisionTree(trainSet.X, trainSet.y, { maxDepth: 4 }),
  };
  const modelsDir = String(context.params.models_dir);
  await mkdir(modelsDir, { recursive: true });
  const metrics: TableRow[] = [];
  for (const [name, trained] of Object.entries(candidates)) {
    const testAccuracy = accuracy(testSet.y, loadClassifier(trained).predict(testSet.X));
    const saved = {
      name,
      features: FEATURE_COLUMNS,
      scaler,
      testAccuracy,
      trainedAt: new Date().toISOString(),
      ...trained,
    };
    await writeFile(join(modelsDir, `${name}.json`), JSON.stringify(saved, null, 2));
    metrics.push({ model: name, test_accuracy: testAccuracy, trained_at: saved.trainedAt });
    context.log.info(
      `${name} (${trained.library}): ${(100 * testAccuracy).toFixed(1)}% accuracy on ${testSet.y.length} test penguins -> ${join(modelsDir, `${name}.json`)}`,
    );
  }
  await db.writeTable("model_metrics", [text("model"), number("test_accuracy"), text("trained_at")], metrics);
  return metrics;
});

/** A raw row with the CSV's numbers read as numbers; "NA" stays the string "NA" (and fails penguinProblem). */
function fromRawText(row: TableRow): RawPenguin & { species: string } {
  const value = (column: string) => {
    const raw = row[column];
    return raw === "NA" || raw === null || raw === "" || Number.isNaN(Number(raw)) ? raw : Number(raw);
  };
  return {
    species: String(row.species),
    island: row.island,
    sex: row.sex,
    bill_length_mm: value("bill_length_mm"),
    bill_depth_mm: value("bill_depth_mm"),
    flipper_length_mm: value("flipper_length_mm"),
    body_mass_g: value("body_mass_g"),
  };
}

export const master = new DAG({
  dagId: "lab4_master",
  description: "Runs the four lab 4 DAGs in order, each after the previous one finished",
  schedule: null,
  catchup: false,
  tags: ["lab4"],
  doc: "Lab 4: the master only triggers. `waitForCompletion: true` makes each trigger task wait for its DAG's run and fail if that run fails.",
});

const steps = [clearDb, loadRaw, preprocess, train].map(
  (step) =>
    new TriggerDagRunOperator({
      dag: master,
      taskId: `trigger_${step.dagId.replace(/^lab4_/, "")}`,
      triggerDagId: step.dagId,
      waitForCompletion: true,
      pokeInterval: "1s",
    }),
);
chain(...steps);
