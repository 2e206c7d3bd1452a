/**
 * Lab 3: data from a remote store, models to a dated folder.
 *   download_dataset -> train_random_forest -> upload_model -> delete_local_files
 * The store is S3, reached with S3Hook through the connection aws_default: its endpoint
 * (AWS, MinIO or a local moto server) and credentials never appear in this file. The
 * local file paths are run parameters (params) with {{ ds_nodash }} / {{ ds }} in them,
 * so two runs never share a file; the shell task deletes them with the same macros.
 * Try: kitelab dags test labs/lab3-remote-store/dags/lab3_remote_store.ts 2024-01-01T12:00:00Z
 */
import { mkdir, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { BashOperator, DAG, readCsv, S3Hook, type TaskContext } from "kitelab";
import { RandomForestRegression } from "ml-random-forest";
import {
  meanAbsoluteError,
  PETROL_FEATURES,
  PETROL_TARGET,
  r2Score,
  toMatrix,
  toVector,
  trainTestSplit,
} from "../../shared/index.js";

const workDir = join(process.env.KITELAB_HOME ?? join(homedir(), "kitelab"), "labs", "lab3", "work");

export const dag = new DAG({
  dagId: "lab3_remote_store",
  description:
    "Download petrol data from the store, train a random forest, upload the model to a folder named after the date",
  schedule: "0 12 * * *",
  startDate: "2024-01-01",
  catchup: false,
  maxActiveRuns: 1,
  maxActiveTasks: 2,
  tags: ["lab3"],
  params: {
    bucket_name: "kitelab-lab3",
    dataset_key: "datasets/petrol_consumption.csv",
    work_dir: workDir,
    dataset_path: `${workDir}/petrol_consumption_{{ ds_nodash }}.csv`,
    model_path: `${workDir}/random_forest_{{ ds }}.json`,
    n_estimators: 50,
    max_depth: 6,
    seed: 42,
  },
  doc: "Lab 3: `{{ ds }}` is the run's logical date (2024-01-01), `{{ ds_nodash }}` the same without dashes (20240101).",
});

/** A path param, with its macros rendered for this run. */
const pathParam = (context: TaskContext, name: string) => context.render(String(context.params[name]));

const download = dag.task("download_dataset", async (context) => {
  const target = pathParam(context, "dataset_path");
  const key = String(context.params.dataset_key);
  const bucket = String(context.params.bucket_name);
  await new S3Hook({ awsConnId: "aws_default" }).downloadFile(key, bucket, target);
  context.log.info(`Downloaded s3://${bucket}/${key} (${(await stat(target)).size} bytes) to ${target}`);
  return target;
});

const train = dag.task("train_random_forest", async (context) => {
  const { params, log } = context;
  const datasetPath = pathParam(context, "dataset_path");
  const modelPath = pathParam(context, "model_path");
  const rows = await readCsv(datasetPath);
  const features = [...PETROL_FEATURES];
  const { train: trainRows, test } = trainTestSplit(rows, { testSize: 0.25, seed: Number(params.seed) });
  // ml.js's random forest (ml-random-forest): bootstrap samples, each tree on all features, as scikit-learn's regressor.
  const forest = new RandomForestRegression({
    nEstimators: Number(params.n_estimators),
    treeOptions: { maxDepth: Number(params.max_depth) },
    maxFeatures: 1.0,
    replacement: true,
    useSampleBagging: true,
    noOOB: true,
    seed: Number(params.seed),
  });
  forest.train(toMatrix(trainRows, features), toVector(trainRows, PETROL_TARGET));
  const predicted = forest.predict(toMatrix(test, features));
  const actual = toVector(test, PETROL_TARGET);
  const metrics = {
    r2: r2Score(actual, predicted),
    mae: meanAbsoluteError(actual, predicted),
    trainRows: trainRows.length,
    testRows: test.length,
  };
  await mkdir(dirname(modelPath), { recursive: true });
  await writeFile(
    modelPath,
    JSON.stringify({ features, target: PETROL_TARGET, metrics, library: "ml-random-forest", model: forest.toJSON() }),
  );
  log.info(
    `Random forest of ${Number(params.n_estimators)} trees: R² ${metrics.r2.toFixed(3)}, MAE ${metrics.mae.toFixed(1)} on ${test.length} held-out rows`,
  );
  log.info(`Saved the model to ${modelPath}`);
  return { modelPath, ...metrics };
});

const upload = dag.task("upload_model", async (context) => {
  const modelPath = pathParam(context, "model_path");
  const key = `models/${context.ds}/random_forest.json`;
  const bucket = String(context.params.bucket_name);
  // A rerun of the same date replaces that day's model.
  await new S3Hook({ awsConnId: "aws_default" }).loadFile(modelPath, key, bucket, { replace: true });
  context.log.info(`Uploaded ${modelPath} (${(await stat(modelPath)).size} bytes) as s3://${bucket}/${key}`);
  return `s3://${bucket}/${key}`;
});

const cleanup = new BashOperator({
  dag,
  taskId: "delete_local_files",
  bashCommand:
    "rm -v {{ params.work_dir }}/petrol_consumption_{{ ds_nodash }}.csv {{ params.work_dir }}/random_forest_{{ ds }}.json",
});

download.then(train).then(upload).then(cleanup);
