/**
 * Lab 3: data from a remote store, models to a dated folder. This file is yours: the DAG
 * is declared, its tasks are for you to write (notebooks/03-remote-store.ipynb):
 *   Exercise 1: download_dataset -> train_random_forest, the local file paths as params.
 *   Exercise 2: -> upload_model (to models/{{ ds }}/ in the bucket) -> delete_local_files.
 * The store is S3, reached with S3Hook through the connection aws_default: its endpoint and
 * credentials never appear in this file. `kitelab check lab3` says what is met. A solution
 * is in ../solutions/dags/lab3_remote_store.ts.
 * Try: kitelab dags test labs/lab3-remote-store/dags/lab3_remote_store.ts 2024-01-10T12:00:00Z
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { DAG } from "kitelab";

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
    // Exercise 1: add two params, the local paths of this run's files, with macros so that two
    // runs never share a file: dataset_path, `${workDir}/petrol_consumption_{{ ds_nodash }}.csv`,
    // and model_path, `${workDir}/random_forest_{{ ds }}.json`.
    n_estimators: 50,
    max_depth: 6,
    seed: 42,
  },
  doc: "Lab 3: `{{ ds }}` is the run's logical date (2024-01-01), `{{ ds_nodash }}` the same without dashes (20240101).",
});

// Exercise 1: two tasks, the first before the second (download.then(train)).
//  - dag.task("download_dataset", async (context) => ...): download the object params.dataset_key of
//    the bucket params.bucket_name to the path params.dataset_path, rendered for the run
//    (context.render(String(context.params.dataset_path))), with
//    new S3Hook({ awsConnId: "aws_default" }).downloadFile(key, bucket, localPath) (import S3Hook from "kitelab").
//  - dag.task("train_random_forest", async (context) => ...): call trainForest(datasetPath, modelPath,
//    { nEstimators, maxDepth, seed }) from "../lib/forest.js" with the two rendered path params and
//    the numbers in params; return { modelPath, ...metrics } (the XCom the next task and the checks read).
//
// Exercise 2: two more tasks, after train_random_forest.
//  - dag.task("upload_model", ...): upload the model file with S3Hook's loadFile(localPath, key, bucket,
//    { replace: true }) to the key `models/${context.ds}/random_forest.json`: one folder per logical date.
//  - new BashOperator({ dag, taskId: "delete_local_files", bashCommand: "rm -v ..." }): delete the
//    run's two local files, named with {{ params.work_dir }}, {{ ds_nodash }} and {{ ds }}.
