import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { LocalExecutor } from "../src/executor/localExecutor.js";
import { Scheduler } from "../src/scheduler/scheduler.js";
import { MemorySchedulerStore } from "../src/scheduler/memoryStore.js";
import { acceleratedClock, manualClock, parseClockSpec, type Clock } from "../src/clock/clock.js";
import { previewSchedule } from "../src/timetable/index.js";
import { tempHome } from "./helpers/tempHome.js";
import { waitFor } from "./helpers/waitFor.js";
import { testSchedulerSettings } from "./helpers/schedulerSettings.js";

describe("--clock: what it accepts", () => {
  it("reads real, accelerated:FACTOR and manual, each with an optional @START", () => {
    const manual = parseClockSpec("manual@2024-01-01");
    assert.ok(manual.ok);
    assert.equal(manual.value.mode, "manual");
    assert.equal(manual.value.now().toISOString(), "2024-01-01T00:00:00.000Z");
    const fast = parseClockSpec("accelerated:3600");
    assert.ok(fast.ok);
    assert.match(fast.value.info().description, /one real second is 1 hour of scheduler time/);
    assert.equal(parseClockSpec("real").ok && parseClockSpec("real").ok, true);
  });

  it("refuses anything else with what to write instead", () => {
    for (const [text, pattern] of [
      ["fast", /use real, accelerated:FACTOR/],
      ["accelerated", /factor must be a number from 1/],
      ["accelerated:0", /factor must be a number from 1/],
      ["accelerated:abc", /factor must be a number from 1/],
      ["manual:5", /takes no factor/],
      ["manual@yesterday", /not an ISO-8601 instant/],
    ] as const) {
      const parsed = parseClockSpec(text);
      assert.ok(!parsed.ok, text);
      assert.match(parsed.error, pattern, text);
    }
  });

  it("a manual clock moves only forward, and tells who listens", () => {
    const clock = manualClock(new Date("2024-01-01T00:00:00Z"));
    let told = 0;
    clock.onChange(() => (told += 1));
    assert.equal(clock.realDelayUntil(Date.parse("2024-01-02T00:00:00Z")), Number.POSITIVE_INFINITY);
    clock.advance(86_400_000);
    assert.equal(clock.now().toISOString(), "2024-01-02T00:00:00.000Z");
    assert.equal(clock.realDelayUntil(Date.parse("2024-01-02T00:00:00Z")), 0);
    assert.equal(told, 1);
    assert.throws(() => clock.advance(-1), /never goes back/);
  });

  it("an accelerated clock runs FACTOR times faster than real time, from its first reading", () => {
    let real = 1_000;
    const clock = acceleratedClock(3600, new Date("2024-01-01T00:00:00Z"), () => real);
    real += 5000; // start-up: the clock has not been read yet
    assert.equal(clock.now().toISOString(), "2024-01-01T00:00:00.000Z", "it starts when first read");
    real += 1000;
    assert.equal(clock.now().toISOString(), "2024-01-01T01:00:00.000Z");
    assert.equal(clock.realDelayUntil(Date.parse("2024-01-01T03:00:00Z")), 2000);
  });
});

/** Scheduled runs of a DAG, as preview rows, oldest first. */
function scheduledRuns(store: MemorySchedulerStore, dagId: string) {
  return store
    .allRuns(dagId)
    .filter((run) => run.runType === "scheduled")
    .sort((a, b) => a.logicalDate.localeCompare(b.logicalDate))
    .map((run) => ({
      logicalDate: run.logicalDate,
      dataIntervalStart: run.dataIntervalStart,
      dataIntervalEnd: run.dataIntervalEnd,
      runAfter: run.runAfter,
    }));
}

function preview(now: string) {
  const result = previewSchedule({
    schedule: "@daily",
    startDate: new Date("2024-01-01T00:00:00Z"),
    catchup: true,
    now: new Date(now),
  });
  assert.ok(result.ok);
  return result.value.due.map((run) => ({
    logicalDate: run.logicalDate.toISOString(),
    dataIntervalStart: run.dataIntervalStart.toISOString(),
    dataIntervalEnd: run.dataIntervalEnd.toISOString(),
    runAfter: run.runAfter.toISOString(),
  }));
}

for (const mode of ["manual", "accelerated"] as const) {
  describe(`a week of a daily DAG on the ${mode} clock matches schedule preview`, () => {
    const home = tempHome("kitelab-clock-");
    const store = new MemorySchedulerStore();
    // Accelerated: one real second is 12 hours, so the week takes about 14 seconds.
    const clock: Clock =
      mode === "manual"
        ? manualClock(new Date("2024-01-01T00:00:00Z"))
        : acceleratedClock(43_200, new Date("2024-01-01T00:00:00Z"));
    let scheduler: Scheduler;

    before(async () => {
      home.writeDag(
        "daily.ts",
        `import { DAG } from "kitelab";
export const dag = new DAG({ dagId: "daily", schedule: "@daily", startDate: "2024-01-01" });
dag.task("report", async ({ ds, data_interval_end }) => \`\${ds} until \${data_interval_end.toISOString()}\`);
`,
      );
      const executor = new LocalExecutor({
        parallelism: 2,
        serviceHandler: (...args) => scheduler.serviceHandler(...args),
        cancelGraceMs: 300,
      });
      scheduler = new Scheduler(store, executor, testSchedulerSettings(home.dags, home.logs), clock);
      await executor.start();
      await scheduler.start();
    });

    after(async () => {
      await scheduler.stop(1000);
      home.cleanup();
    });

    it("creates exactly the runs the timetable lists, and tasks see their interval", async () => {
      if (clock.mode === "manual") {
        assert.deepEqual(scheduledRuns(store, "daily"), [], "nothing is due on the first day");
        for (let day = 0; day < 7; day += 1) (clock as ReturnType<typeof manualClock>).advance(86_400_000);
      }
      const runs = await waitFor(
        "seven daily runs",
        () => (scheduledRuns(store, "daily").length >= 7 ? scheduledRuns(store, "daily") : undefined),
        60_000,
      );
      // Each run was created when the clock passed its runAfter: they are the preview at the last one's runAfter.
      assert.deepEqual(runs, preview(runs[runs.length - 1]!.runAfter));
      assert.equal(runs[0]!.logicalDate, "2024-01-01T00:00:00.000Z");
      if (clock.mode === "manual") assert.equal(runs.length, 7);
      const first = await waitFor("the first run to finish", () =>
        store.allRuns("daily").find((run) => run.logicalDate === runs[0]!.logicalDate && run.state === "success"),
      );
      assert.equal(store.xcoms("daily", first.runId)[0]?.value, "2024-01-01 until 2024-01-02T00:00:00.000Z");
      // Real time elsewhere: the run started now, not in 2024.
      assert.ok(Date.parse(first.startDate!) > Date.now() - 600_000);
    });
  });
}
