/**
 * Mail on completion: when a run ends, Kitelab mails a summary (each task's state and
 * duration, the failing task's last log lines, a link to the status page) to `runSummaryEmail.to`.
 * With no `[smtp] smtp_host` configured (the default) the mail is written to
 * `$KITELAB_HOME/outbox/` as an .eml file: open it from the status page's "Outbox", or with
 * any mail program. Set smtp_host in airflow.cfg to really send it.
 * Try: unpause and trigger it under `npx kitelab standalone`, then look in $KITELAB_HOME/outbox/.
 * Set the param `fail` to true to see the failure summary with the log lines.
 */
import { DAG, TaskError } from "kitelab";

export const dag = new DAG({
  dagId: "example_run_summary_email",
  description: "Three small steps, and a summary mail when the run completes",
  schedule: "@daily",
  startDate: "2024-01-01",
  catchup: false,
  params: { fail: false },
  tags: ["example", "email"],
  runSummaryEmail: { to: "student@example.com", when: "both" },
  doc: "After each run, a summary mail goes to student@example.com: with no mail server configured it lands in the **outbox**.",
});

const measure = dag.task("measure", async ({ ds, log }) => {
  const readings = [12, 15, 11, 18, 14];
  log.info(`Took ${readings.length} readings for ${ds}`);
  return readings;
});

const summarize = dag.task("summarize", async ({ ti, params, log }) => {
  const readings = ti.xcomPull<number[]>("measure") ?? [];
  if (params.fail === true) {
    log.error("The readings look wrong; stopping before the report");
    throw new TaskError("readings out of range (the param `fail` is true)");
  }
  const mean = readings.reduce((sum, value) => sum + value, 0) / Math.max(readings.length, 1);
  log.info(`Mean of ${readings.length} readings: ${mean}`);
  return { count: readings.length, mean };
});

const report = dag.task("report", async ({ ti, ds, log }) => {
  const stats = ti.xcomPull<{ count: number; mean: number }>("summarize");
  log.info(`Report for ${ds}: ${stats?.count} readings, mean ${stats?.mean}`);
});

measure.then(summarize).then(report);
