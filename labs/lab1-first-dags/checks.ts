/**
 * Lab 1's requirements, checked by `kitelab check lab1` and by `await check("lab1")` in
 * notebooks/01-first-dags.ipynb, against what the student wrote in dags/lab1_train_predict.ts
 * and what the scheduler ran.
 */
import { readFileSync, readdirSync } from "node:fs";
import type { CheckContext, CheckOutcome, DagRunRecord, LabCheck, TaskInstanceRecord } from "kitelab";

export const lab = "lab1";

const DAG_ID = "lab1_train_predict";
const DAG_FILE = "dags/lab1_train_predict.ts";

/** The runs whose `predict` succeeded, the one that finished last first. */
function runsWithPredictions(ctx: CheckContext): Array<{ run: DagRunRecord; predict: TaskInstanceRecord }> {
  return ctx.store
    .runs(DAG_ID)
    .map((run) => ({ run, predict: ctx.store.taskInstances(DAG_ID, run.runId).find((ti) => ti.taskId === "predict") }))
    .filter((entry): entry is { run: DagRunRecord; predict: TaskInstanceRecord } => entry.predict?.state === "success")
    .sort((a, b) => (b.predict.endDate ?? "").localeCompare(a.predict.endDate ?? ""));
}

/** `20240101-060000` for 2024-01-01T06:00:00Z: Python's %Y%m%d-%H%M%S, in UTC. */
function dateStamp(iso: string): string {
  return new Date(iso).toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
}

function predictionFiles(ctx: CheckContext): string {
  try {
    return readdirSync(ctx.workPath("lab1", "predictions")).join(", ") || "no file";
  } catch {
    return `no folder ${ctx.workPath("lab1", "predictions")}`;
  }
}

function noSuccessfulPredict(ctx: CheckContext): CheckOutcome {
  const runs = ctx.store.runs(DAG_ID);
  if (runs.length === 0) return { passed: false, detail: `no run of ${DAG_ID} in the store yet` };
  const newest = ctx.store.taskInstances(DAG_ID, runs[0]!.runId).find((ti) => ti.taskId === "predict");
  return {
    passed: false,
    detail: `in ${runs[0]!.runId}, predict is ${newest?.state ?? "missing"}${newest?.error ? `: ${newest.error.message}` : ""}`,
  };
}

async function retriesOf(
  ctx: CheckContext,
): Promise<{ ok: true; retries: Map<string, [number, number]> } | { ok: false; outcome: CheckOutcome }> {
  const found = await ctx.loadDag(DAG_FILE, DAG_ID);
  if (!found.ok) return found;
  return {
    ok: true,
    retries: new Map(
      found.dag.tasks.map((task) => [task.taskId, [task.retries, task.retryDelayMs] as [number, number]]),
    ),
  };
}

export const checks: LabCheck[] = [
  {
    id: "predict_succeeded",
    title: "Exercise 1: predictWithIO works: a run of lab1_train_predict ran `predict` successfully",
    hint: "Write predictWithIO in dags/lab1_train_predict.ts with withIO, as trainWithIO does; then run the exercise cell again (it clears the run) and read predict's log",
    async run(ctx) {
      return runsWithPredictions(ctx).length > 0 ? { passed: true } : noSuccessfulPredict(ctx);
    },
  },
  {
    id: "predict_passes_paths",
    title: "Exercise 1: `predict` hands the next task file paths (its XCom), not the predictions themselves",
    hint: "Build predictWithIO on withIO: its task returns { input, outputs } (the paths); `report` reads them with ti.xcomPull",
    async run(ctx) {
      const [latest] = runsWithPredictions(ctx);
      if (!latest) return noSuccessfulPredict(ctx);
      const xcom = ctx.store
        .xcoms(DAG_ID, latest.run.runId)
        .find((entry) => entry.taskId === "predict" && entry.key === "return_value");
      const value = xcom?.value as { outputs?: unknown } | undefined;
      const outputs = value?.outputs;
      if (Array.isArray(outputs) && outputs.length > 0 && outputs.every((path) => typeof path === "string"))
        return { passed: true };
      return {
        passed: false,
        detail: `predict returned ${JSON.stringify(xcom?.value ?? null)?.slice(0, 200)}, not { input, outputs: [paths] }`,
      };
    },
  },
  {
    id: "dated_predictions",
    title: "Exercise 2: the predictions are written to predictions/{date}.csv, the logical date as %Y%m%d-%H%M%S",
    hint: 'Put "{{ params.work_dir }}/predictions/{date}.csv" in the output list of the predict task, then run it again',
    async run(ctx) {
      const [latest] = runsWithPredictions(ctx);
      if (!latest) return noSuccessfulPredict(ctx);
      const name = `${dateStamp(latest.run.logicalDate)}.csv`;
      if (!ctx.exists(ctx.workPath("lab1", "predictions", name)))
        return {
          passed: false,
          detail: `no ${name} for ${latest.run.runId}; predictions/ holds ${predictionFiles(ctx)}`,
        };
      const header = readFileSync(ctx.workPath("lab1", "predictions", name), "utf8").split("\n")[0] ?? "";
      return header.split(",").includes("predicted_sales")
        ? { passed: true }
        : { passed: false, detail: `${name} has no predicted_sales column (its header: ${header})` };
    },
  },
  {
    id: "latest_predictions",
    title: "Exercise 2: the newest predictions are also in predictions/latest.csv",
    hint: 'Add "{{ params.work_dir }}/predictions/latest.csv" as a second output path of the predict task',
    async run(ctx) {
      const [latest] = runsWithPredictions(ctx);
      if (!latest) return noSuccessfulPredict(ctx);
      const latestFile = ctx.workPath("lab1", "predictions", "latest.csv");
      if (!ctx.exists(latestFile)) return { passed: false, detail: `predictions/ holds ${predictionFiles(ctx)}` };
      const dated = ctx.workPath("lab1", "predictions", `${dateStamp(latest.run.logicalDate)}.csv`);
      if (ctx.exists(dated) && readFileSync(dated, "utf8") !== readFileSync(latestFile, "utf8"))
        return {
          passed: false,
          detail: `latest.csv differs from the newest run's ${dateStamp(latest.run.logicalDate)}.csv`,
        };
      return { passed: true };
    },
  },
  {
    id: "default_retries",
    title: "Exercise 3: train and predict inherit 2 retries, 30 s apart, from the DAG's defaultArgs",
    hint: 'Add defaultArgs: { retries: 2, retryDelay: "30s" } to the DAG\'s options',
    async run(ctx) {
      const found = await retriesOf(ctx);
      if (!found.ok) return found.outcome;
      const wrong = ["train", "predict"].filter((id) => {
        const [retries, delay] = found.retries.get(id) ?? [0, 0];
        return retries !== 2 || delay !== 30_000;
      });
      return wrong.length === 0
        ? { passed: true }
        : {
            passed: false,
            detail: wrong
              .map(
                (id) =>
                  `${id}: retries ${found.retries.get(id)?.[0]}, retry delay ${(found.retries.get(id)?.[1] ?? 0) / 1000} s`,
              )
              .join("; "),
          };
    },
  },
  {
    id: "report_overrides_retries",
    title: "Exercise 3: report overrides the default with its own retries: 0",
    hint: 'Give report its own setting: dag.task("report", { retries: 0 }, async (...) => ...); a task\'s own setting wins over defaultArgs',
    async run(ctx) {
      const found = await retriesOf(ctx);
      if (!found.ok) return found.outcome;
      const report = found.retries.get("report")?.[0];
      const train = found.retries.get("train")?.[0];
      if (train !== 2) return { passed: false, detail: `train has ${train} retries: set the default first` };
      return report === 0 ? { passed: true } : { passed: false, detail: `report has ${report} retries` };
    },
  },
];
