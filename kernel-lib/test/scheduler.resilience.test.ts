import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { LocalExecutor } from "../src/executor/localExecutor.js";
import { Scheduler } from "../src/scheduler/scheduler.js";
import { MemorySchedulerStore } from "../src/scheduler/memoryStore.js";
import type { DagRunRecord } from "../src/records.js";
import { tempHome } from "./helpers/tempHome.js";
import { testSchedulerSettings } from "./helpers/schedulerSettings.js";

/** A store whose next read of the active runs fails, as a damaged run file or a bug in a pass would. */
class FlakyStore extends MemorySchedulerStore {
  failNextActiveRuns = false;
  override activeRuns(): DagRunRecord[] {
    if (this.failNextActiveRuns) {
      this.failNextActiveRuns = false;
      throw new Error("simulated failure while listing the active runs");
    }
    return super.activeRuns();
  }
}

/** Ten years ahead of the machine's clock: dates the scheduler records must come from here. */
const WALL_OFFSET_MS = 10 * 365 * 86_400_000;

describe("the scheduler keeps going when things go wrong", () => {
  const home = tempHome("kitelab-resilience-");
  const store = new FlakyStore();
  let scheduler: Scheduler;

  before(async () => {
    home.writeDag(
      "quick.ts",
      `import { DAG } from "kitelab";
export const dag = new DAG({ dagId: "quick", schedule: null });
const first = dag.task("first", async () => 1);
const second = dag.task("second", async () => 2);
first.then(second);
`,
    );
    const executor = new LocalExecutor({
      parallelism: 2,
      serviceHandler: (...args) => scheduler.serviceHandler(...args),
      cancelGraceMs: 300,
    });
    scheduler = new Scheduler(
      store,
      executor,
      testSchedulerSettings(home.dags, home.logs, { heartbeatMs: 200 }),
      undefined,
      () => Date.now() + WALL_OFFSET_MS,
    );
    await executor.start();
    await scheduler.start();
  });

  after(async () => {
    await scheduler.stop(1000);
    home.cleanup();
  });

  it("records every date (queued, start, end, heartbeat) from its injected wall time", async () => {
    const run = await scheduler.trigger("quick");
    const finished = await scheduler.waitForRun("quick", run.runId, { timeoutMs: 30_000 });
    assert.equal(finished.state, "success");
    const future = Date.now() + WALL_OFFSET_MS / 2;
    const stored = store.getRun("quick", run.runId)!;
    for (const [what, date] of [
      ["queuedAt", stored.queuedAt],
      ["startDate", stored.startDate],
      ["endDate", stored.endDate],
      ...store.taskInstances("quick", run.runId).flatMap((ti) => [
        [`${ti.taskId} startDate`, ti.startDate],
        [`${ti.taskId} endDate`, ti.endDate],
      ]),
    ] as const)
      assert.ok(date && Date.parse(date) > future, `${what} ${date} comes from the injected wall time`);
  });

  it("a scheduling pass that throws is tried again at the next heartbeat instead of stalling", async () => {
    store.failNextActiveRuns = true;
    const run = await scheduler.trigger("quick");
    const finished = await scheduler.waitForRun("quick", run.runId, { timeoutMs: 20_000 });
    assert.equal(store.failNextActiveRuns, false, "the failing pass did run");
    assert.equal(finished.state, "success");
  });

  it("waitForRun gives up after its timeout, naming the run, and leaves no listener behind", async () => {
    await scheduler.setPaused("quick", true);
    const run = await scheduler.trigger("quick");
    const listeners = scheduler.events.listenerCount("run-finished");
    await assert.rejects(scheduler.waitForRun("quick", run.runId, { timeoutMs: 100 }), (error: Error) => {
      assert.equal(error.name, "TimeoutError");
      assert.equal(error.message, `run '${run.runId}' of DAG 'quick' did not finish within 0.10s (it is queued)`);
      return true;
    });
    assert.equal(scheduler.events.listenerCount("run-finished"), listeners);
    await scheduler.setPaused("quick", false);
    assert.equal((await scheduler.waitForRun("quick", run.runId, { timeoutMs: 20_000 })).state, "success");
    assert.equal(scheduler.events.listenerCount("run-finished"), listeners);
  });

  it("waitForRun of a run that does not exist fails at once", async () => {
    await assert.rejects(scheduler.waitForRun("quick", "no_such_run"), (error: Error) => {
      assert.equal(error.name, "NotFoundError");
      assert.match(error.message, /DAG 'quick' has no run 'no_such_run'/);
      return true;
    });
  });

  it("stopping the scheduler ends the waits still pending", async () => {
    await scheduler.setPaused("quick", true);
    const run = await scheduler.trigger("quick");
    const abandoned = assert.rejects(
      scheduler.waitForRun("quick", run.runId),
      /stopped waiting for run '.*' of DAG 'quick': the scheduler stopped/,
    );
    await scheduler.stop(1000);
    await abandoned;
    assert.equal(scheduler.events.listenerCount("run-finished"), 0);
  });
});
