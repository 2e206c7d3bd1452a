/**
 * Lab 3's requirements, checked by `kitelab check lab3` and by `await check("lab3")` in
 * notebooks/03-remote-store.ipynb, against what the student wrote in dags/lab3_remote_store.ts,
 * what the scheduler ran, and what is in the S3 bucket (through the connection aws_default).
 */
import { readdirSync } from "node:fs";
import type { CheckContext, CheckOutcome, DagRunRecord, LabCheck, TaskInstanceRecord } from "kitelab";
import { S3Hook } from "kitelab";

export const lab = "lab3";

const DAG_ID = "lab3_remote_store";
const DAG_FILE = "dags/lab3_remote_store.ts";

type Dag = Extract<Awaited<ReturnType<CheckContext["loadDag"]>>, { ok: true }>["dag"];

/** `2024-01-10` and `20240110` for a run of 2024-01-10T12:00:00Z: Airflow's ds and ds_nodash. */
function dsOf(run: DagRunRecord): { ds: string; dsNodash: string } {
  const ds = run.logicalDate.slice(0, 10);
  return { ds, dsNodash: ds.replace(/-/g, "") };
}

/**
 * The DAG, with the task `taskId` downstream of `upstream` (when given), or why not.
 * Each check repeats what it needs, so its detail names the first thing missing.
 */
async function dagWithTask(
  ctx: CheckContext,
  taskId: string,
  upstream?: string,
): Promise<{ ok: true; dag: Dag } | { ok: false; outcome: CheckOutcome }> {
  const found = await ctx.loadDag(DAG_FILE, DAG_ID);
  if (!found.ok) return found;
  const ids = ctx.taskIds(found.dag);
  if (!ids.includes(taskId))
    return {
      ok: false,
      outcome: { passed: false, detail: `${DAG_ID} has no task ${taskId} (its tasks: ${ids.join(", ") || "none"})` },
    };
  if (upstream !== undefined && !ctx.hasDependency(found.dag, upstream, taskId)) {
    const waitsFor = found.dag.tasks.find((task) => task.taskId === taskId)?.upstreamIds ?? [];
    return {
      ok: false,
      outcome: {
        passed: false,
        detail: `${taskId} does not wait for ${upstream} (it waits for: ${waitsFor.join(", ") || "nothing"}); add ${upstream}.then(${taskId})`,
      },
    };
  }
  return found;
}

/** The path param `name` holds `macro`, or why not. */
function pathParamWith(dag: Dag, name: string, macro: string): CheckOutcome {
  const value = dag.params[name];
  if (typeof value !== "string")
    return { passed: false, detail: `params has no ${name} (params: ${Object.keys(dag.params).join(", ")})` };
  return value.includes(macro)
    ? { passed: true }
    : {
        passed: false,
        detail: `params.${name} is ${JSON.stringify(value)}: it has no ${macro}, so every run would share that file`,
      };
}

/** The runs in which `taskId` succeeded, newest logical date first, with that task instance. */
function runsWhere(ctx: CheckContext, taskId: string): Array<{ run: DagRunRecord; ti: TaskInstanceRecord }> {
  return ctx.store
    .runs(DAG_ID)
    .map((run) => ({ run, ti: ctx.store.taskInstances(DAG_ID, run.runId).find((ti) => ti.taskId === taskId) }))
    .filter((entry): entry is { run: DagRunRecord; ti: TaskInstanceRecord } => entry.ti?.state === "success");
}

/** Why no run shows `taskId` succeeded: no run yet, or its state (and error) in the newest run. */
function neverSucceeded(ctx: CheckContext, taskId: string): CheckOutcome {
  const runs = ctx.store.runs(DAG_ID);
  if (runs.length === 0) return { passed: false, detail: `no run of ${DAG_ID} in the store yet` };
  const newest = runs[0]!;
  const ti = ctx.store.taskInstances(DAG_ID, newest.runId).find((entry) => entry.taskId === taskId);
  return {
    passed: false,
    detail: ti
      ? `in ${newest.runId}, ${taskId} is ${ti.state}${ti.error ? `: ${ti.error.message}` : ""}`
      : `${newest.runId} has no task ${taskId}: run the exercise cell again after saving the file (it clears the run)`,
  };
}

function workFiles(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export const checks: LabCheck[] = [
  {
    id: "download_dataset",
    title:
      "Exercise 1: download_dataset downloads the dataset from S3 to params.dataset_path, named with {{ ds_nodash }}",
    hint: 'Add the param dataset_path (the work folder + /petrol_consumption_{{ ds_nodash }}.csv) and the task download_dataset: new S3Hook({ awsConnId: "aws_default" }).downloadFile(params.dataset_key, params.bucket_name, the rendered dataset_path)',
    async run(ctx) {
      const found = await dagWithTask(ctx, "download_dataset");
      if (!found.ok) return found.outcome;
      const param = pathParamWith(found.dag, "dataset_path", "{{ ds_nodash }}");
      if (!param.passed) return param;
      return runsWhere(ctx, "download_dataset").length > 0 ? { passed: true } : neverSucceeded(ctx, "download_dataset");
    },
  },
  {
    id: "train_with_path_params",
    title:
      "Exercise 1: train_random_forest runs after download_dataset and writes the model to params.model_path, named with {{ ds }}",
    hint: "Add the param model_path (the work folder + /random_forest_{{ ds }}.json) and the task train_random_forest: trainForest(rendered dataset_path, rendered model_path, {...}) from ../lib/forest.js, returning { modelPath, ...metrics }; then download.then(train)",
    async run(ctx) {
      const found = await dagWithTask(ctx, "train_random_forest", "download_dataset");
      if (!found.ok) return found.outcome;
      const param = pathParamWith(found.dag, "model_path", "{{ ds }}");
      if (!param.passed) return param;
      const [latest] = runsWhere(ctx, "train_random_forest");
      if (!latest) return neverSucceeded(ctx, "train_random_forest");
      const xcom = ctx.store
        .xcoms(DAG_ID, latest.run.runId)
        .find((entry) => entry.taskId === "train_random_forest" && entry.key === "return_value");
      const modelPath = (xcom?.value as { modelPath?: unknown } | undefined)?.modelPath;
      const { ds } = dsOf(latest.run);
      if (typeof modelPath !== "string")
        return {
          passed: false,
          detail: `in ${latest.run.runId}, train_random_forest returned ${JSON.stringify(xcom?.value ?? null)?.slice(0, 200)}, not { modelPath, ... }`,
        };
      return modelPath.includes(ds)
        ? { passed: true }
        : {
            passed: false,
            detail: `in ${latest.run.runId}, the model went to ${modelPath}, whose name lacks the run's date ${ds}: render params.model_path with context.render`,
          };
    },
  },
  {
    id: "model_uploaded",
    title:
      "Exercise 2: upload_model runs after train_random_forest and puts the model in the bucket under models/<ds>/",
    hint: 'Add the task upload_model: new S3Hook({ awsConnId: "aws_default" }).loadFile(rendered model_path, the key models/<context.ds>/random_forest.json, params.bucket_name, { replace: true }); then train.then(upload)',
    async run(ctx) {
      const found = await dagWithTask(ctx, "upload_model", "train_random_forest");
      if (!found.ok) return found.outcome;
      const [latest] = runsWhere(ctx, "upload_model");
      if (!latest) return neverSucceeded(ctx, "upload_model");
      const bucket = String(found.dag.params.bucket_name);
      const prefix = `models/${dsOf(latest.run).ds}/`;
      const keys = await new S3Hook({ awsConnId: "aws_default" }).listKeys(bucket);
      if (keys.some((key) => key.startsWith(prefix))) return { passed: true };
      return {
        passed: false,
        detail: `upload_model succeeded in ${latest.run.runId}, but there is no object under ${prefix} in bucket ${bucket} (the bucket holds: ${keys.join(", ") || "nothing"})`,
      };
    },
  },
  {
    id: "local_files_deleted",
    title: "Exercise 2: delete_local_files, a shell task after upload_model, deletes the run's local dataset and model",
    hint: 'Add new BashOperator({ dag, taskId: "delete_local_files", bashCommand: "rm -v {{ params.work_dir }}/petrol_consumption_{{ ds_nodash }}.csv {{ params.work_dir }}/random_forest_{{ ds }}.json" }) and upload.then(cleanup)',
    async run(ctx) {
      const found = await dagWithTask(ctx, "delete_local_files", "upload_model");
      if (!found.ok) return found.outcome;
      const operator = found.dag.tasks.find((task) => task.taskId === "delete_local_files")?.operator;
      if (operator !== "BashOperator")
        return {
          passed: false,
          detail: `delete_local_files is a ${operator}; make it a BashOperator (a shell command)`,
        };
      const [latest] = runsWhere(ctx, "delete_local_files");
      if (!latest) return neverSucceeded(ctx, "delete_local_files");
      const workDir = String(found.dag.params.work_dir);
      const { ds, dsNodash } = dsOf(latest.run);
      const left = workFiles(workDir).filter((name) => name.includes(ds) || name.includes(dsNodash));
      return left.length === 0
        ? { passed: true }
        : {
            passed: false,
            detail: `after ${latest.run.runId}, ${workDir} still holds ${left.join(", ")}: delete both files of the run`,
          };
    },
  },
];
