/**
 * A solution to lab 3's exercises (copy it over ../../dags/lab3_remote_store.ts to compare).
 *
 * Lab 3: data from a remote store, models to a dated folder.
 *   download_dataset -> train_random_forest -> upload_model -> delete_local_files
 * The store is S3, reached with S3Hook through the connection aws_default: its endpoint
 * (AWS, MinIO or a local moto server) and credentials never appear in this file. The
 * local file paths are run parameters (params) with {{ ds_nodash }} / {{ ds }} in them,
 * so two runs never share a file; the shell task deletes them with the same macros.
 */
import { stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { BashOperator, DAG, S3Hook, type TaskContext } from "kitelab";
import { trainForest } from "../lib/forest.js";

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
    // Exercise 1: the local paths, with the run's date in them.
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

// Exercise 1.
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
  const modelPath = pathParam(context, "model_path");
  const metrics = await trainForest(pathParam(context, "dataset_path"), modelPath, {
    nEstimators: Number(params.n_estimators),
    maxDepth: Number(params.max_depth),
    seed: Number(params.seed),
  });
  log.info(
    `Random forest of ${Number(params.n_estimators)} trees: R² ${metrics.r2.toFixed(3)}, MAE ${metrics.mae.toFixed(1)} on ${metrics.testRows} held-out rows`,
  );
  log.info(`Saved the model to ${modelPath}`);
  return { modelPath, ...metrics };
});

// Exercise 2.
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
