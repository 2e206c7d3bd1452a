/**
 * Lab 1, part 2: data should not travel between tasks in memory. `trainWithIO` and
 * `predictWithIO` wrap a plain training function and a plain prediction function so that
 * each reads its input from a file and writes its output to a file.
 *
 * This file is yours: it holds the three exercises of notebooks/01-first-dags.ipynb.
 *   Exercise 1: write `predictWithIO`, modelled on `trainWithIO`.
 *   Exercise 2: write the predictions twice, to predictions/{date}.csv and predictions/latest.csv.
 *   Exercise 3: give every task 2 retries, 30 s apart, through the DAG's `defaultArgs`; `report` keeps 0.
 * `kitelab check lab1` says what is met. A solution is in ../solutions/dags/lab1_train_predict.ts.
 * Try: kitelab dags test labs/lab1-first-dags/dags/lab1_train_predict.ts 2024-01-01T06:00:00Z
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DAG, withIO, type CsvRow, type IOSummary, type TaskContext } from "kitelab";
import MultivariateLinearRegression from "ml-regression-multivariate-linear";
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
  // Exercise 3: `defaultArgs` are settings every task of this DAG inherits (Airflow's default_args).
  // Give every task 2 retries, 30 s apart ("30s"), here; then let `report` override it below.
});

/** Wraps `train(rows) -> model` into a task that reads rows from `input` and writes the model to `output`. */
function trainWithIO<Model>(train: (rows: CsvRow[]) => Model, paths: { input: string; output: string }) {
  return withIO<CsvRow[], Model>({ input: paths.input, output: paths.output }, (rows) => train(rows));
}

/**
 * Exercise 1: wrap `predict(model, rows) -> rows` into a task, modelled on trainWithIO above.
 * The task reads the model from `paths.model` (a JSON file: `JSON.parse(await readFile(path, "utf8"))`,
 * with readFile imported from "node:fs/promises") and the rows
 * from `paths.input` (a CSV file), calls `predict`, and writes the predictions to every path
 * of `paths.output`. Paths are templates: `withIO` renders `paths.input` and `paths.output`;
 * render `paths.model` yourself with the `render` of the task's context (the second argument
 * withIO gives your function). Only the paths travel to the next task, as XCom.
 */
function predictWithIO<Model>(
  predict: (model: Model, rows: CsvRow[]) => CsvRow[],
  paths: { model: string; input: string; output: string[] },
) {
  // TODO (exercise 1): replace this stub, which only fails, by a call to withIO.
  return async (_context: TaskContext): Promise<IOSummary> => {
    throw new Error(
      `predictWithIO is not written yet (lab 1, exercise 1): it should read ${paths.model} and ${paths.input}, call ${predict.name}, write ${paths.output.join(" and ")}`,
    );
  };
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
    // Exercise 2: write the predictions twice: to a file named after the run's logical date,
    // formatted %Y%m%d-%H%M%S (20240101-060000.csv), which no other run overwrites, and to
    // latest.csv, which always holds the newest. withIO replaces `{date}` in a path by that date.
    output: ["{{ params.work_dir }}/predictions/predictions.csv"],
  }),
);

// Exercise 3: `report` only logs; a retry would not help it. Give it its own `retries: 0`
// (dag.task("report", { retries: 0 }, async ...)): a task's own setting wins over defaultArgs.
const report = dag.task("report", async ({ ti, log }) => {
  const written = ti.xcomPull<{ outputs: string[] }>("predict")?.outputs ?? [];
  log.info(`Predictions are in:\n  ${written.join("\n  ")}`);
  return written;
});

train.then(predict).then(report);
