/**
 * Lab 5: retraining against drift. Every Monday at 05:00 a run retrains a loan-default
 * model on the last few weeks of data and evaluates it on the week that just ended.
 * A run covers the data interval [data_interval_start, data_interval_end) = [ds, next_ds):
 * the run for the week starting Monday 2021-01-04 (ds = 2021-01-04) fires at the END of
 * that week, on 2021-01-11 at 05:00, when the week's data is complete.
 *   acquire_compute -> generate_week_data -> retrain -> evaluate -> publish_metrics
 *                                                  evaluate -> release_compute (all_done)
 * Try: kitelab dags test labs/lab5-drift-backfill/dags/lab5_retrain.ts 2021-01-11T05:00:00Z   (a manual run: the week ending then)
 *      kitelab dags backfill lab5_retrain --start-date 2021-01-04 --end-date 2021-02-01
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { DAG, readCsv, requireConnection, requireVariable, TaskError, toCsv, type TaskContext } from "kitelab";
import {
  DRIFT_ORIGIN,
  fit,
  generateDriftingLoans,
  LOAN_LABEL,
  populationStabilityIndex,
  score,
  type TrainedModel,
  toVector,
  trainingWindow,
  weekIndex,
  type LoanRow,
} from "../lib/index.js";

const workDir = join(process.env.KITELAB_HOME ?? join(homedir(), "kitelab"), "labs", "lab5");
const DAY_MS = 24 * 3600 * 1000;

export const dag = new DAG({
  dagId: "lab5_retrain",
  description:
    "Weekly retraining of a loan-default model on recent data, with drift metrics and a cleanup that always runs",
  schedule: "0 5 * * 1",
  startDate: "2021-01-04",
  catchup: false,
  maxActiveRuns: 4,
  tags: ["lab5"],
  defaultArgs: { retries: 1, retryDelay: "1s" },
  // Exercise 2: how many weeks before the run's week should retraining use? Choose with the notebook's comparison.
  params: { work_dir: workDir, window_weeks: 12, per_day: 40, fail_training: false },
  doc: "Lab 5: ds is the start of the week the run covers; the run starts when that week is over. Backfill replays past weeks.",
});

/**
 * The week a run covers, named by its first day. For scheduled and backfilled runs it is
 * `ds`; a manual run (dags test) covers the week that ENDS at its logical date.
 */
const weekOf = (context: TaskContext) => context.data_interval_start.toISOString().slice(0, 10);
const scratchDir = (context: TaskContext) => join(String(context.params.work_dir), "scratch", weekOf(context));

/** Rents the (pretend) training machine: its address is a Connection, its API token a Variable. */
const acquire = dag.task("acquire_compute", async (context) => {
  const compute = requireConnection(
    context,
    "lab5_compute",
    "--conn-type http --conn-host gpu.example.internal --conn-port 443",
  );
  const token = requireVariable(context, "lab5_api_token");
  await mkdir(scratchDir(context), { recursive: true });
  const lease = { machine: `${compute.host}:${compute.port ?? 443}`, leasedAt: new Date().toISOString() };
  await writeFile(join(scratchDir(context), "lease.json"), JSON.stringify(lease));
  context.log.info(
    `Leased ${lease.machine} with the token from Variable lab5_api_token (${token.length} characters, never printed)`,
  );
  return lease;
});

/** The week's data: exactly the rows of [data_interval_start, data_interval_end). */
const generateWeek = dag.task("generate_week_data", async (context) => {
  const { data_interval_start: start, data_interval_end: end, params, log } = context;
  const rows = generateDriftingLoans({ start, end, perDay: Number(params.per_day) });
  const file = join(String(params.work_dir), "data", `week_${weekOf(context)}.csv`);
  await mkdir(join(String(params.work_dir), "data"), { recursive: true });
  await writeFile(file, toCsv(rows));
  log.info(
    `Data interval [${start.toISOString()}, ${end.toISOString()}): ${rows.length} applications, week ${weekIndex(start)} since ${DRIFT_ORIGIN.toISOString().slice(0, 10)} -> ${file}`,
  );
  return file;
});

/** Retrains on the weeks just before this one (the recent window). */
const retrain = dag.task("retrain", async (context) => {
  const { params, data_interval_start: start, log } = context;
  if (params.fail_training === true)
    throw new TaskError("training failed (fail_training is set): watch release_compute run anyway");
  const windowStart = new Date(start.getTime() - Number(params.window_weeks) * 7 * DAY_MS);
  const recent = trainingWindow(start, Number(params.window_weeks), Number(params.per_day));
  const trained = fit(recent);
  await writeFile(join(scratchDir(context), "model.json"), JSON.stringify(trained));
  log.info(
    `Retrained on ${recent.length} applications from ${windowStart.toISOString().slice(0, 10)} to ${start.toISOString().slice(0, 10)}`,
  );
  return { windowStart: windowStart.toISOString(), rows: recent.length };
});

/** Compares the retrained model with a stale one (trained on the first week) on this week's data. */
const evaluate = dag.task("evaluate", async (context) => {
  const { params, log, ti } = context;
  const week = (await readCsv(String(ti.xcomPull("generate_week_data")))) as unknown as LoanRow[];
  const fresh = JSON.parse(await readFile(join(scratchDir(context), "model.json"), "utf8")) as TrainedModel;
  const firstWeek = generateDriftingLoans({
    start: DRIFT_ORIGIN,
    end: new Date(DRIFT_ORIGIN.getTime() + 7 * DAY_MS),
    perDay: Number(params.per_day),
  });
  const metrics = {
    weekOf: weekOf(context),
    week: weekIndex(context.data_interval_start),
    retrainedAccuracy: score(fresh, week),
    staleAccuracy: score(fit(firstWeek), week),
    incomePsi: populationStabilityIndex(toVector(firstWeek, "income_k"), toVector(week, "income_k")),
    defaultRate: toVector(week, LOAN_LABEL).reduce((a, b) => a + b, 0) / week.length,
  };
  const pct = (value: number) => `${(100 * value).toFixed(1)}%`;
  log.info(
    `week of ${metrics.weekOf}: retrained model ${pct(metrics.retrainedAccuracy)}, stale model ${pct(metrics.staleAccuracy)}, ` +
      `income drift (PSI) ${metrics.incomePsi.toFixed(3)}, default rate ${pct(metrics.defaultRate)}`,
  );
  return metrics;
});

/**
 * Keeps one metrics file per week, so a backfill shows the drift week by week.
 * Exercise 1: write what `evaluate` returned (its XCom) as JSON to
 * <params.work_dir>/metrics/<the week's first day>.json, then clear this task in the failed
 * runs of the backfill so they run again.
 */
const publish = dag.task("publish_metrics", async (context) => {
  throw new TaskError(
    `publish_metrics is not written yet (Exercise 1): write the XCom of evaluate to ${join(String(context.params.work_dir), "metrics", `${weekOf(context)}.json`)}`,
  );
});

/** trigger rule all_done: runs whatever happened upstream, so the paid machine is always released. */
const release = dag.task("release_compute", { triggerRule: "all_done" }, async (context) => {
  await rm(scratchDir(context), { recursive: true, force: true });
  context.log.info(`Released the machine and deleted ${scratchDir(context)}`);
});

acquire.then(generateWeek).then(retrain).then(evaluate).then([publish, release]);
