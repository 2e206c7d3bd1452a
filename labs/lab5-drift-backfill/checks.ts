/**
 * Lab 5's requirements, checked by `kitelab check lab5` and by `await check("lab5")` in
 * notebooks/05-drift-backfill.ipynb, against dags/lab5_retrain.ts and what the scheduler ran.
 */
import { readdirSync } from "node:fs";
import type { CheckContext, CheckOutcome, LabCheck } from "kitelab";
import { windowAccuracy } from "./lib/model.js";

export const lab = "lab5";

const DAG_ID = "lab5_retrain";
const DAG_FILE = "dags/lab5_retrain.ts";
/** The weeks the window comparison scores, as the notebook's does: the last four of the backfill. */
const COMPARED_WEEKS = ["2021-02-01", "2021-02-08", "2021-02-15", "2021-02-22"].map(
  (day) => new Date(`${day}T05:00:00Z`),
);
const CANDIDATE_WINDOWS = [1, 2, 3, 4];
/** A window is a good choice when its mean accuracy is within this of the best candidate's. */
const TOLERANCE = 0.01;

function backfillRuns(ctx: CheckContext) {
  return ctx.store.runs(DAG_ID).filter((run) => run.runType === "backfill");
}

function metricsFiles(ctx: CheckContext): string[] {
  try {
    return readdirSync(ctx.workPath("lab5", "metrics")).filter((name) => name.endsWith(".json"));
  } catch {
    return [];
  }
}

export const checks: LabCheck[] = [
  {
    id: "publish_succeeded",
    title: "Exercise 1: publish_metrics is written: a run of lab5_retrain ran it successfully",
    hint: 'Write publish_metrics in dags/lab5_retrain.ts: the XCom of evaluate (context.ti.xcomPull("evaluate")) as JSON to <params.work_dir>/metrics/<week>.json',
    async run(ctx): Promise<CheckOutcome> {
      const runs = ctx.store.runs(DAG_ID);
      if (runs.length === 0) return { passed: false, detail: `no run of ${DAG_ID} in the store yet` };
      const publishes = runs.flatMap((run) =>
        ctx.store.taskInstances(DAG_ID, run.runId).filter((ti) => ti.taskId === "publish_metrics"),
      );
      if (publishes.some((ti) => ti.state === "success")) return { passed: true };
      const failed = publishes.find((ti) => ti.error);
      return {
        passed: false,
        detail: failed
          ? `publish_metrics failed in ${failed.runId}: ${failed.error!.message}`
          : `publish_metrics never succeeded (states: ${[...new Set(publishes.map((ti) => ti.state))].join(", ") || "none"})`,
      };
    },
  },
  {
    id: "backfill_succeeded",
    title: "Exercise 1: after the fix, every backfilled week's run succeeded (its failed tasks cleared and re-run)",
    hint: "Write publish_metrics (the XCom of evaluate to metrics/<week>.json), then run the exercise cell: it clears the failed tasks of each backfill run so the scheduler runs them again",
    async run(ctx): Promise<CheckOutcome> {
      const runs = backfillRuns(ctx);
      if (runs.length === 0) return { passed: false, detail: `no backfill run of ${DAG_ID} in the store yet` };
      const notDone = runs.filter((run) => run.state !== "success");
      if (notDone.length > 0) {
        const first = notDone[notDone.length - 1]!;
        const failed = ctx.store
          .taskInstances(DAG_ID, first.runId)
          .filter((ti) => ti.state !== "success")
          .map((ti) => `${ti.taskId} ${ti.state}${ti.error ? ` (${ti.error.message})` : ""}`);
        return {
          passed: false,
          detail: `${notDone.length} of ${runs.length} backfill runs are not successful; ${first.runId}: ${failed.join(", ")}`,
        };
      }
      return { passed: true };
    },
  },
  {
    id: "metrics_per_week",
    title: "Exercise 1: metrics/<week>.json exists for every backfilled week",
    hint: "publish_metrics writes the XCom of evaluate to <params.work_dir>/metrics/<data_interval_start as YYYY-MM-DD>.json",
    async run(ctx) {
      const runs = backfillRuns(ctx);
      if (runs.length === 0) return { passed: false, detail: `no backfill run of ${DAG_ID} in the store yet` };
      const files = metricsFiles(ctx);
      const missing = runs
        .map((run) => `${(run.dataIntervalStart ?? run.logicalDate).slice(0, 10)}.json`)
        .filter((name) => !files.includes(name));
      return missing.length === 0
        ? { passed: true }
        : { passed: false, detail: `missing in ${ctx.workPath("lab5", "metrics")}: ${missing.join(", ")}` };
    },
  },
  {
    id: "window_chosen",
    title: "Exercise 2: params.window_weeks retrains on a window within a point of the best one",
    hint: "Compare the windows in the notebook's table and set params.window_weeks in dags/lab5_retrain.ts to one of the best",
    async run(ctx) {
      const found = await ctx.loadDag(DAG_FILE, DAG_ID);
      if (!found.ok) return found.outcome;
      const chosen = Number(found.dag.params.window_weeks);
      const perDay = Number(found.dag.params.per_day ?? 40);
      if (!Number.isInteger(chosen) || chosen < 1 || chosen > 52)
        return {
          passed: false,
          detail: `window_weeks is ${JSON.stringify(found.dag.params.window_weeks)}; expected a whole number of weeks from 1 to 52`,
        };
      const candidates = [...new Set([...CANDIDATE_WINDOWS, chosen])];
      const scores = new Map(candidates.map((weeks) => [weeks, windowAccuracy(weeks, COMPARED_WEEKS, perDay)]));
      const best = Math.max(...scores.values());
      const mine = scores.get(chosen)!;
      const pct = (value: number) => `${(100 * value).toFixed(1)}%`;
      return best - mine <= TOLERANCE
        ? { passed: true }
        : {
            passed: false,
            detail: `${chosen} weeks: ${pct(mine)} mean accuracy; the best of ${CANDIDATE_WINDOWS.join(", ")} weeks: ${pct(best)}`,
          };
    },
  },
];
