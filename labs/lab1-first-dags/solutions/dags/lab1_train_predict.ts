/**
 * A solution to lab 1's exercises (copy it over ../../dags/lab1_train_predict.ts to compare).
 *
 * Lab 1, part 2: data should not travel between tasks in memory. `trainWithIO` and
 * `predictWithIO` wrap a plain training function and a plain prediction function so that
 * each reads its input from a file and writes its output to a file. Predictions are
 * written twice: to predictions/{date}.csv (%Y%m%d-%H%M%S) and to predictions/latest.csv.
 * Try: kitelab dags test labs/lab1-first-dags/dags/lab1_train_predict.ts 2024-01-01T06:00:00Z
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DAG, withIO, type CsvRow } from "kitelab";
import MultivariateLinearRegression from "ml-regression-multivariate-linear";
// Relative to the lab's own dags/ folder, where this solution is meant to be copied.
import { toMatrix, toVector } from "../lib/features.js";

/** The saved model: ml.js's linear regression as its own toJSON() writes it. */
type SalesModel = ReturnType<MultivariateLinearRegression["toJSON"]>;

const workDir = join(process.env.KITELAB_HOME ?? join(homedir(), "kitelab"), "labs", "lab1");

export const dag = new DAG({
  dagId: "lab1_train_predict",
  description: "Train on ice-cream sales, predict the week's sales: every step through files",
  schedule: "@daily",
  startDate: "2024-01-01",
  catchup: false,
  tags: ["lab1"],
  params: {
    training_data: fileURLToPath(new URL("../data/ice_cream_sales.csv", import.meta.url)),
    forecast: fileURLToPath(new URL("../data/forecast.csv", import.meta.url)),
    work_dir: workDir,
  },
  doc: "Lab 1: each task reads a file and writes a file; only the paths travel between tasks (as XCom).",
  // Exercise 3: every task inherits these, unless it sets its own.
  defaultArgs: { retries: 2, retryDelay: "30s" },
});

/** Wraps `train(rows) -> model` into a task that reads rows from `input` and writes the model to `output`. */
function trainWithIO<Model>(train: (rows: CsvRow[]) => Model, paths: { input: string; output: string }) {
  return withIO<CsvRow[], Model>({ input: paths.input, output: paths.output }, (rows) => train(rows));
}

/** Exercise 1. Wraps `predict(model, rows) -> rows` into a task that reads the model and the rows from files and writes the predictions. */
function predictWithIO<Model>(
  predict: (model: Model, rows: CsvRow[]) => CsvRow[],
  paths: { model: string; input: string; output: string[] },
) {
  return withIO<CsvRow[], CsvRow[]>({ input: paths.input, output: paths.output }, async (rows, { render }) => {
    const model = JSON.parse(await readFile(render(paths.model), "utf8")) as Model;
    return predict(model, rows);
  });
}

/** The training function: plain code, no files, easy to test on its own. */
function trainSalesModel(rows: CsvRow[]): SalesModel {
  // ml-regression-multivariate-linear (ml.js): least squares with an intercept; y is one column per output.
  const sales = toVector(rows, "sales").map((value) => [value]);
  return new MultivariateLinearRegression(toMatrix(rows, ["temperature_c"]), sales).toJSON();
}

/** The prediction function: a model and rows in, rows with a prediction out. */
function predictSales(model: SalesModel, rows: CsvRow[]): CsvRow[] {
  const predicted = MultivariateLinearRegression.load(model).predict(toMatrix(rows, ["temperature_c"]));
  return rows.map((row, index) => ({ ...row, predicted_sales: Math.round(predicted[index]![0]!) }));
}

const train = dag.task(
  "train",
  trainWithIO(trainSalesModel, { input: "{{ params.training_data }}", output: "{{ params.work_dir }}/model.json" }),
);

const predict = dag.task(
  "predict",
  predictWithIO(predictSales, {
    model: "{{ params.work_dir }}/model.json",
    input: "{{ params.forecast }}",
    // Exercise 2: a dated copy no other run overwrites, and the newest one.
    output: ["{{ params.work_dir }}/predictions/{date}.csv", "{{ params.work_dir }}/predictions/latest.csv"],
  }),
);

// Exercise 3: a task's own setting wins over defaultArgs.
const report = dag.task("report", { retries: 0 }, async ({ ti, log }) => {
  const written = ti.xcomPull<{ outputs: string[] }>("predict")?.outputs ?? [];
  log.info(`Predictions are in:\n  ${written.join("\n  ")}`);
  return written;
});

train.then(predict).then(report);
