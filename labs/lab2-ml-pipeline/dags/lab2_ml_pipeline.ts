/**
 * Lab 2: a 7-step ML pipeline on 1000 advertising clicks, with an email and a status DAG.
 *   load_data -> preprocess -> separate_outputs -> train_model -> evaluate_model
 *     -> send_success_email -> trigger_status_dag
 * If any step fails, report_failure triggers the status DAG with "failure" instead.
 * Try: kitelab dags test labs/lab2-ml-pipeline/dags/lab2_ml_pipeline.ts --dag-id lab2_ml_pipeline
 */
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DAG, EmailOperator, readCsv, toCsv, TriggerDagRunOperator, UnrecoverableError } from "kitelab";
import LogisticRegression from "ml-logistic-regression";
import { Matrix } from "ml-matrix";
import {
  ADVERTISING_FEATURES,
  ADVERTISING_LABEL,
  binaryClassificationReport,
  MinMaxScaler,
  StandardScaler,
  toMatrix,
  toVector,
  trainTestSplit,
  type BinaryClassificationReport,
} from "../../shared/index.js";

const workDir = join(process.env.KITELAB_HOME ?? join(homedir(), "kitelab"), "labs", "lab2");

/** Short names for the five input columns, in ADVERTISING_FEATURES order. */
const FEATURE_NAMES = ["time_on_site", "age", "income", "internet_usage", "gender"];

export const dag = new DAG({
  dagId: "lab2_ml_pipeline",
  description: "Advertising clicks: load, preprocess, train a logistic regression, evaluate, email, report status",
  schedule: null,
  tags: ["lab2"],
  params: {
    dataset: fileURLToPath(new URL("../data/advertising.csv", import.meta.url)),
    work_dir: workDir,
    test_size: 0.3,
    seed: 42,
    num_steps: 1000,
    learning_rate: 0.005,
    min_accuracy: 0.8,
    email_to: "student@example.com",
  },
  runSummaryEmail: { to: "student@example.com", when: "both" },
  doc: "Lab 2: seven steps, each reading and writing files under `params.work_dir`. The report is mailed; the status DAG records the outcome.",
});

const path = (params: Readonly<Record<string, unknown>>, name: string) => join(String(params.work_dir), name);

/** Step 1: copy the raw dataset into the work folder and describe it. */
const loadData = dag.task("load_data", async ({ params, log }) => {
  await mkdir(String(params.work_dir), { recursive: true });
  await copyFile(String(params.dataset), path(params, "advertising.csv"));
  const rows = await readCsv(path(params, "advertising.csv"));
  const clicks = rows.filter((row) => row[ADVERTISING_LABEL] === 1).length;
  log.info(`Loaded ${rows.length} rows; ${clicks} clicked on the ad (${((100 * clicks) / rows.length).toFixed(1)}%)`);
  return { rows: rows.length, clicks };
});

/**
 * Step 2: keep the five features, split 70/30, then scale: as in the original lab, the
 * features go through a MinMaxScaler AND a StandardScaler fitted on the training set
 * only, giving ten columns (min-max first, then standard).
 */
const preprocess = dag.task("preprocess", async ({ params, log }) => {
  const rows = await readCsv(path(params, "advertising.csv"));
  const { train, test } = trainTestSplit(rows, { testSize: Number(params.test_size), seed: Number(params.seed) });
  const features = [...ADVERTISING_FEATURES];
  const minMax = new MinMaxScaler().fit(toMatrix(train, features));
  const standard = new StandardScaler().fit(toMatrix(train, features));
  const columns = [...FEATURE_NAMES.map((name) => `${name}_minmax`), ...FEATURE_NAMES.map((name) => `${name}_std`)];
  const scale = (part: typeof rows) => {
    const X = toMatrix(part, features);
    const a = minMax.transform(X);
    const b = standard.transform(X);
    return part.map((row, i) => ({
      ...Object.fromEntries(columns.map((column, j) => [column, round(j < 5 ? a[i]![j]! : b[i]![j - 5]!)])),
      clicked: row[ADVERTISING_LABEL],
    }));
  };
  await writeFile(path(params, "train.csv"), toCsv(scale(train)));
  await writeFile(path(params, "test.csv"), toCsv(scale(test)));
  await writeFile(path(params, "scalers.json"), JSON.stringify({ features, minMax, standard }, null, 2));
  log.info(
    `Split ${rows.length} rows into ${train.length} for training and ${test.length} for testing; ${columns.length} scaled columns`,
  );
  return { train: train.length, test: test.length, columns };
});

/** Step 3: separate the inputs (X) from the output to predict (y), for both sets. */
const separateOutputs = dag.task("separate_outputs", async ({ params, log }) => {
  for (const part of ["train", "test"]) {
    const rows = await readCsv(path(params, `${part}.csv`));
    await writeFile(path(params, `X_${part}.csv`), toCsv(rows.map(({ clicked: _label, ...features }) => features)));
    await writeFile(path(params, `y_${part}.csv`), toCsv(rows.map((row) => ({ clicked: row.clicked }))));
    log.info(`Wrote X_${part}.csv and y_${part}.csv (${rows.length} rows)`);
  }
  return ["X_train.csv", "y_train.csv", "X_test.csv", "y_test.csv"].map((name) => path(params, name));
});

/** ml-logistic-regression fits no intercept of its own: a constant first column plays that part. */
const withIntercept = (rows: number[][]) => new Matrix(rows.map((row) => [1, ...row]));

/** Step 4: train a logistic regression (ml.js's ml-logistic-regression, gradient ascent) and save it as JSON. */
const trainModel = dag.task("train_model", async ({ params, log }) => {
  const X = await readCsv(path(params, "X_train.csv"));
  const y = toVector(await readCsv(path(params, "y_train.csv")), "clicked");
  const columns = Object.keys(X[0] ?? {});
  const model = new LogisticRegression({
    numSteps: Number(params.num_steps),
    learningRate: Number(params.learning_rate),
  });
  model.train(withIntercept(toMatrix(X, columns)), Matrix.columnVector(y));
  await writeFile(
    path(params, "model.json"),
    JSON.stringify({ columns, library: "ml-logistic-regression", model: model.toJSON() }, null, 2),
  );
  log.info(
    `Trained on ${X.length} rows with ml-logistic-regression: ${params.num_steps} gradient steps, learning rate ${params.learning_rate}`,
  );
  return path(params, "model.json");
});

/** Step 5: load the saved model back, evaluate it on the test set, write the report. */
const evaluateModel = dag.task("evaluate_model", async ({ params, log, ds }) => {
  const saved = JSON.parse(await readFile(path(params, "model.json"), "utf8")) as {
    columns: string[];
    model: Parameters<typeof LogisticRegression.load>[0];
  };
  const model = LogisticRegression.load(saved.model);
  const X = withIntercept(toMatrix(await readCsv(path(params, "X_test.csv")), saved.columns));
  const y = toVector(await readCsv(path(params, "y_test.csv")), "clicked");
  const report = binaryClassificationReport(y, model.predict(X));
  await writeFile(path(params, "report.json"), JSON.stringify(report, null, 2));
  await writeFile(path(params, "report.html"), reportHtml(report, ds));
  log.info(
    `accuracy ${pct(report.accuracy)}, precision ${pct(report.precision)}, recall ${pct(report.recall)} on ${report.support} test rows`,
  );
  const m = report.confusionMatrix;
  log.info(
    `confusion matrix (rows: actual 0/1, columns: predicted 0/1)\n  ${m.trueNegative}  ${m.falsePositive}\n  ${m.falseNegative}  ${m.truePositive}`,
  );
  if (report.accuracy < Number(params.min_accuracy)) {
    throw new UnrecoverableError(
      `accuracy ${pct(report.accuracy)} is below min_accuracy ${pct(Number(params.min_accuracy))}; not publishing this model`,
    );
  }
  return { accuracy: report.accuracy, precision: report.precision, recall: report.recall };
});

/** Step 6: mail the report (to the outbox when no SMTP server is configured). */
const sendEmail = new EmailOperator({
  dag,
  taskId: "send_success_email",
  to: "{{ params.email_to }}",
  subject: "Lab 2: the advertising model is trained ({{ ds }})",
  htmlContent: "<p>Run {{ run_id }} of {{ dag.dag_id }} finished. The evaluation report is attached.</p>",
  files: ["{{ params.work_dir }}/report.html"],
});

/** Step 7: tell the status DAG the pipeline succeeded. */
const triggerStatus = new TriggerDagRunOperator({
  dag,
  taskId: "trigger_status_dag",
  triggerDagId: "lab2_status",
  conf: { status: "success", pipeline_run_id: "{{ run_id }}", report: "{{ params.work_dir }}/report.json" },
  waitForCompletion: true,
  pokeInterval: "1s",
});

/** Runs only when a step failed (trigger rule one_failed): the status DAG records the failure. */
const reportFailure = new TriggerDagRunOperator({
  dag,
  taskId: "report_failure",
  triggerDagId: "lab2_status",
  conf: { status: "failure", pipeline_run_id: "{{ run_id }}" },
  triggerRule: "one_failed",
  waitForCompletion: true,
  pokeInterval: "1s",
});

loadData
  .then(preprocess)
  .then(separateOutputs)
  .then(trainModel)
  .then(evaluateModel)
  .then(sendEmail)
  .then(triggerStatus);
for (const step of [loadData, preprocess, separateOutputs, trainModel, evaluateModel, sendEmail])
  step.then(reportFailure);

/** The status DAG: records the pipeline's outcome in status.json and prints it. */
export const statusDag = new DAG({
  dagId: "lab2_status",
  description: "Records the outcome of lab2_ml_pipeline",
  schedule: null,
  tags: ["lab2"],
  params: { status: "unknown", pipeline_run_id: "", report: "", work_dir: workDir },
});

statusDag.task("write_status", async ({ params, log }) => {
  const report = params.report
    ? (JSON.parse(await readFile(String(params.report), "utf8")) as BinaryClassificationReport)
    : undefined;
  const status = {
    status: String(params.status),
    pipelineRunId: String(params.pipeline_run_id),
    accuracy: report?.accuracy,
    recordedAt: new Date().toISOString(),
  };
  await mkdir(String(params.work_dir), { recursive: true });
  await writeFile(join(String(params.work_dir), "status.json"), JSON.stringify(status, null, 2));
  log.info(
    `Pipeline ${status.pipelineRunId}: ${status.status.toUpperCase()}${report ? ` (accuracy ${pct(report.accuracy)})` : ""}`,
  );
  return status;
});

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function pct(value: number): string {
  return `${(100 * value).toFixed(1)}%`;
}

function reportHtml(report: BinaryClassificationReport, ds: string): string {
  const m = report.confusionMatrix;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Lab 2 evaluation ${ds}</title></head>
<body>
<h1>Advertising click model: evaluation (${ds})</h1>
<table>
<tr><th>accuracy</th><td>${pct(report.accuracy)}</td></tr>
<tr><th>precision</th><td>${pct(report.precision)}</td></tr>
<tr><th>recall</th><td>${pct(report.recall)}</td></tr>
<tr><th>F1</th><td>${pct(report.f1)}</td></tr>
<tr><th>test rows</th><td>${report.support}</td></tr>
</table>
<h2>Confusion matrix</h2>
<table>
<tr><th></th><th>predicted 0</th><th>predicted 1</th></tr>
<tr><th>actual 0</th><td>${m.trueNegative}</td><td>${m.falsePositive}</td></tr>
<tr><th>actual 1</th><td>${m.falseNegative}</td><td>${m.truePositive}</td></tr>
</table>
</body></html>
`;
}
