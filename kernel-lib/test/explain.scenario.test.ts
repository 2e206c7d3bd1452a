import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { LocalExecutor } from "../src/executor/localExecutor.js";
import { Scheduler } from "../src/scheduler/scheduler.js";
import { MemorySchedulerStore } from "../src/scheduler/memoryStore.js";
import { manualClock } from "../src/clock/clock.js";
import {
  explainFromStore,
  formatExplanation,
  REASON_CODES,
  type Explanation,
  type ReasonCode,
} from "../src/explain/index.js";
import { tempHome } from "./helpers/tempHome.js";
import { waitFor } from "./helpers/waitFor.js";
import { testSchedulerSettings } from "./helpers/schedulerSettings.js";

/**
 * "Why isn't my DAG running?": every reason code, each produced by a real scheduler (worker
 * processes, DAG files parsed in children) brought into that state, on a manual clock that
 * starts on 2024-01-10 at midnight UTC.
 */
const START = new Date("2024-01-10T00:00:00Z");
const HEARTBEAT_THRESHOLD_MS = 3000;

describe("dags explain: every reason, from a real scheduler state", () => {
  const home = tempHome("kitelab-explain-");
  const store = new MemorySchedulerStore();
  const clock = manualClock(START);
  const release = join(home.home, "release");
  let scheduler: Scheduler;
  let stopped = false;

  const explain = (dagId: string): Explanation => {
    const explanation = explainFromStore(store, dagId, {
      settings: testSchedulerSettings(home.dags, home.logs, { parallelism: 4, heartbeatMs: 200 }),
      heartbeatThresholdMs: HEARTBEAT_THRESHOLD_MS,
      now: clock.now(),
    });
    assert.ok(explanation, `an explanation for ${dagId}`);
    return explanation;
  };
  const codes = (explanation: Explanation) => explanation.reasons.map((reason) => reason.code);
  const reason = (explanation: Explanation, code: ReasonCode) => {
    const found = explanation.reasons.find((candidate) => candidate.code === code);
    assert.ok(found, `${code} among ${codes(explanation).join(", ")}\n${formatExplanation(explanation)}`);
    return found;
  };
  const seen = new Set<ReasonCode>();
  const expectReason = (explanation: Explanation, code: ReasonCode) => {
    seen.add(code);
    return reason(explanation, code);
  };

  before(async () => {
    const holding = (taskId: string, extra = "") =>
      `dag.task("${taskId}", ${extra ? `${extra}, ` : ""}async () => { while (!existsSync(${JSON.stringify(release)})) await new Promise((r) => setTimeout(r, 50)); })`;
    const header = `import { DAG, FileSensor } from "kitelab";\nimport { existsSync } from "node:fs";\n`;
    home.writeDag(
      "future.ts",
      `${header}export const dag = new DAG({ dagId: "future", schedule: "@daily", startDate: "2024-02-01", timezone: "Europe/Paris" });\ndag.task("t", async () => 1);\n`,
    );
    home.writeDag(
      "ended.ts",
      `${header}export const dag = new DAG({ dagId: "ended", schedule: "@daily", startDate: "2024-01-01", endDate: "2024-01-03" });\ndag.task("t", async () => 1);\n`,
    );
    home.writeDag(
      "manual.ts",
      `${header}export const dag = new DAG({ dagId: "manual", schedule: null });\ndag.task("t", async () => 1);\n`,
    );
    home.writeDag(
      "later.ts",
      `${header}export const dag = new DAG({ dagId: "later", schedule: "@daily", startDate: "2024-01-01", catchup: false });\ndag.task("t", async () => 1);\n`,
    );
    home.writeDag(
      "switched_off.ts",
      `${header}export const dag = new DAG({ dagId: "switched_off", schedule: null, isPausedUponCreation: true });\ndag.task("t", async () => 1);\n`,
    );
    home.writeDag(
      "broken.ts",
      `${header}export const dag = new DAG({ dagId: "broken_dag", schedule: "0 25 * * *", startDate: "2024-01-01" });\n`,
    );
    home.writeDag(
      "limits.ts",
      `${header}export const dag = new DAG({ dagId: "limits", schedule: null, maxActiveRuns: 1 });
new FileSensor({ dag, taskId: "wait_for_file", filepath: ${JSON.stringify(release)}, pokeInterval: "100ms" });
const boom = dag.task("boom", async () => { throw new Error("boom"); });
boom.then(dag.task("after_boom", async () => 1));
dag.task("flaky", { retries: 1, retryDelay: "1h" }, async () => { throw new Error("not yet"); });
`,
    );
    home.writeDag(
      "pooled.ts",
      `${header}export const dag = new DAG({ dagId: "pooled", schedule: null });
const a = ${holding("a", '{ pool: "tiny" }')};
const b = ${holding("b", '{ pool: "tiny" }')};
const after = dag.task("after", async () => 1);
a.then(after); b.then(after);
`,
    );
    home.writeDag(
      "narrow.ts",
      `${header}export const dag = new DAG({ dagId: "narrow", schedule: null, maxActiveTasks: 1 });\n${holding("one")};\n${holding("two")};\n`,
    );
    home.writeDag(
      "wide.ts",
      `${header}export const dag = new DAG({ dagId: "wide", schedule: null });\n${holding("left")};\n${holding("right")};\n`,
    );
    store.pools.set("tiny", 1);
    const executor = new LocalExecutor({
      parallelism: 4,
      serviceHandler: (...args) => scheduler.serviceHandler(...args),
      cancelGraceMs: 300,
    });
    scheduler = new Scheduler(
      store,
      executor,
      testSchedulerSettings(home.dags, home.logs, { parallelism: 4, heartbeatMs: 200 }),
      clock,
    );
    await executor.start();
    await scheduler.start();
  });

  after(async () => {
    writeFileSync(release, "go");
    if (!stopped) await scheduler.stop(1000);
    home.cleanup();
  });

  it("a start date in the future: when the first run becomes due, in UTC and the DAG's time zone", () => {
    const explanation = explain("future");
    assert.equal(explanation.blocked, true);
    const found = expectReason(explanation, "start_date_in_future");
    assert.equal(found.startDate, "2024-02-01T00:00:00.000Z");
    // The first midnight in Paris after the start date begins the first interval; it runs when that day ends.
    assert.deepEqual(found.firstRun, {
      logicalDate: "2024-02-01T23:00:00.000Z",
      dataIntervalStart: "2024-02-01T23:00:00.000Z",
      dataIntervalEnd: "2024-02-02T23:00:00.000Z",
      runAfter: "2024-02-02T23:00:00.000Z",
    });
    assert.equal(found.dueAtLocal, "2024-02-03 00:00 +01:00 Europe/Paris");
    assert.match(found.message, /2024-02-02 23:00 UTC \(2024-02-03 00:00 \+01:00 Europe\/Paris\)/);
    assert.deepEqual(explanation.nextRun, found.firstRun);
    assert.ok(!codes(explanation).includes("not_due_yet"), "the start date already says when");
  });

  it("an end date that has passed, once its last intervals ran", async () => {
    await waitFor(
      "both runs of 'ended'",
      () => (store.allRuns("ended").filter((run) => run.state === "success").length === 2 ? true : undefined),
      90_000,
    );
    const explanation = explain("ended");
    assert.equal(expectReason(explanation, "end_date_passed").endDate, "2024-01-03T00:00:00.000Z");
    assert.equal(explanation.nextRun, null);
  });

  it("schedule None: manual only", () => {
    const explanation = explain("manual");
    assert.deepEqual(codes(explanation), ["manual_only"]);
    expectReason(explanation, "manual_only");
    assert.equal(explanation.nextRun, null);
  });

  it("paused comes before the schedule", () => {
    const explanation = explain("switched_off");
    assert.deepEqual(codes(explanation), ["paused", "manual_only"]);
    expectReason(explanation, "paused");
  });

  it("an import error, with the file and line, for a DAG the scheduler never listed", () => {
    const explanation = explain("broken_dag");
    const found = expectReason(explanation, "import_error");
    assert.match(String(found.file), /broken\.ts$/);
    assert.match(found.message, /broken\.ts/);
    assert.equal(explanation.blocked, true);
  });

  it("catchup off: the skipped intervals, and the next interval that has not ended yet", async () => {
    await waitFor(
      "the latest interval of 'later' to run",
      () => store.allRuns("later").find((run) => run.state === "success"),
      90_000,
    );
    assert.deepEqual(
      store.allRuns("later").map((run) => run.logicalDate),
      ["2024-01-09T00:00:00.000Z"],
    );
    const explanation = explain("later");
    const skipped = expectReason(explanation, "catchup_skipped");
    assert.equal(skipped.skippedCount, 8);
    assert.equal((skipped.lastSkipped as { logicalDate: string }).logicalDate, "2024-01-08T00:00:00.000Z");
    const notDue = expectReason(explanation, "not_due_yet");
    assert.equal(notDue.runAfter, "2024-01-11T00:00:00.000Z");
    assert.equal(notDue.inSeconds, 86_400);
    assert.equal(explanation.blocked, true);
    assert.deepEqual(explanation.nextRun, {
      logicalDate: "2024-01-10T00:00:00.000Z",
      dataIntervalStart: "2024-01-10T00:00:00.000Z",
      dataIntervalEnd: "2024-01-11T00:00:00.000Z",
      runAfter: "2024-01-11T00:00:00.000Z",
    });
  });

  it("a run that holds maxActiveRuns; in it a sensor poking, a retry waiting and a trigger rule not met", async () => {
    const first = await scheduler.trigger("limits");
    const second = await scheduler.trigger("limits");
    await waitFor(
      "boom to fail, flaky to wait for its retry and the sensor to run",
      () => {
        const states = Object.fromEntries(
          store.taskInstances("limits", first.runId).map((ti) => [ti.taskId, ti.state]),
        );
        return states.after_boom === "upstream_failed" &&
          states.flaky === "up_for_retry" &&
          states.wait_for_file === "running"
          ? true
          : undefined;
      },
      90_000,
    );
    const explanation = explain("limits");
    const limit = expectReason(explanation, "max_active_runs");
    assert.deepEqual(limit.holding, [first.runId]);
    assert.deepEqual(limit.waiting, [second.runId]);
    const poking = expectReason(explanation, "sensor_poking");
    assert.equal(poking.taskId, "wait_for_file");
    const retry = expectReason(explanation, "waiting_for_retry");
    assert.equal(retry.taskId, "flaky");
    assert.ok(Number(retry.inSeconds) > 3500, "an hour's retry delay");
    const rule = expectReason(explanation, "trigger_rule_not_met");
    assert.equal(rule.taskId, "after_boom");
    assert.deepEqual(rule.upstream, [{ taskId: "boom", state: "failed" }]);
    assert.equal(explanation.blocked, false, "the sensor runs");
  });

  it("a full pool, naming who holds its slot; a task whose upstream is not done", async () => {
    const run = await scheduler.trigger("pooled");
    await waitFor("one pooled task to run", () =>
      store.taskInstances("pooled", run.runId).some((ti) => ti.state === "running") ? true : undefined,
    );
    const explanation = explain("pooled");
    const pool = expectReason(explanation, "pool_full");
    assert.equal(pool.pool, "tiny");
    assert.equal(pool.slots, 1);
    const holder = store
      .taskInstances("pooled", run.runId)
      .find((ti) => ti.state === "running" || ti.state === "queued")!;
    assert.deepEqual(
      (pool.holders as Array<{ taskId: string }>).map((h) => h.taskId),
      [holder.taskId],
    );
    assert.notEqual(pool.taskId, holder.taskId);
    const upstream = expectReason(explanation, "upstream_not_done");
    assert.equal(upstream.taskId, "after");
  });

  it("maxActiveTasks reached, then every executor slot busy (parallelism)", async () => {
    // Only the deliberate holders (the sensor, the pooled task) may occupy slots here; a short
    // task of a catch-up run still finishing on a loaded machine would fill the fourth slot and
    // turn narrow's own limit into a parallelism wait.
    const holders = new Set(["limits", "pooled"]);
    await waitFor("the short tasks of other DAGs to finish", () =>
      store
        .activeRuns()
        .filter((run) => !holders.has(run.dagId))
        .every((run) =>
          store.taskInstances(run.dagId, run.runId).every((ti) => ti.state !== "queued" && ti.state !== "running"),
        )
        ? true
        : undefined,
    );
    const narrow = await scheduler.trigger("narrow");
    await waitFor("one narrow task to run", () =>
      store.taskInstances("narrow", narrow.runId).some((ti) => ti.state === "running") ? true : undefined,
    );
    const tasksLimit = expectReason(explain("narrow"), "max_active_tasks");
    assert.equal(tasksLimit.maxActiveTasks, 1);
    const wide = await scheduler.trigger("wide");
    await waitFor("one wide task to run", () =>
      store.taskInstances("wide", wide.runId).some((ti) => ti.state === "running") ? true : undefined,
    );
    const slots = expectReason(explain("wide"), "parallelism");
    assert.equal((slots.holders as unknown[]).length, 4);
  });

  it("moving the clock past runAfter creates the run the explanation announced", async () => {
    const announced = explain("later").nextRun!;
    clock.advance(86_400_000);
    const run = await waitFor("the announced run of 'later'", () =>
      store.allRuns("later").find((candidate) => candidate.logicalDate === announced.logicalDate),
    );
    assert.equal(run.dataIntervalEnd, announced.dataIntervalEnd);
  });

  it("no scheduler: its heartbeat stops", async () => {
    writeFileSync(release, "go");
    await scheduler.stop(1000);
    stopped = true;
    const explanation = await waitFor("the heartbeat to go stale", () => {
      const current = explain("manual");
      return current.reasons[0]?.code === "no_scheduler" ? current : undefined;
    });
    assert.match(expectReason(explanation, "no_scheduler").message, /kitelab standalone/);
  });

  it("covered every reason code", () => {
    assert.deepEqual(
      [...REASON_CODES].filter((code) => !seen.has(code)),
      [],
    );
  });
});
