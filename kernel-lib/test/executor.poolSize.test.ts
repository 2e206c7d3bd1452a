import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { poolSize } from "../src/executor/poolSize.js";
import { LocalExecutor } from "../src/executor/localExecutor.js";
import { Scheduler } from "../src/scheduler/scheduler.js";
import { MemorySchedulerStore } from "../src/scheduler/memoryStore.js";
import { tempHome } from "./helpers/tempHome.js";
import { testSchedulerSettings } from "./helpers/schedulerSettings.js";
import { waitFor } from "./helpers/waitFor.js";

describe("how many worker processes the LocalExecutor runs", () => {
  const cases: Array<
    [string, number, { cores: number; totalMemoryMb: number }, { maxWorkers: number; warmWorkers: number }]
  > = [
    [
      "Kitelab's default parallelism on a laptop: as many as tasks may run",
      4,
      { cores: 8, totalMemoryMb: 16_384 },
      { maxWorkers: 4, warmWorkers: 2 },
    ],
    [
      "Airflow's default of 32 on a 2-core laptop: two per core, not 32",
      32,
      { cores: 2, totalMemoryMb: 8192 },
      { maxWorkers: 4, warmWorkers: 2 },
    ],
    [
      "32 on a small container: bounded by memory (half of it, 128 MB a worker)",
      32,
      { cores: 16, totalMemoryMb: 768 },
      { maxWorkers: 3, warmWorkers: 2 },
    ],
    ["parallelism 1: one worker, kept warm", 1, { cores: 4, totalMemoryMb: 8192 }, { maxWorkers: 1, warmWorkers: 1 }],
    ["a tiny machine still gets one worker", 8, { cores: 1, totalMemoryMb: 100 }, { maxWorkers: 1, warmWorkers: 1 }],
  ];
  for (const [name, parallelism, machine, expected] of cases) {
    it(name, () => assert.deepEqual(poolSize(parallelism, machine), expected));
  }

  it("starts only the warm workers, and counts the workers it may still start as free slots", async () => {
    const executor = new LocalExecutor({
      parallelism: 32,
      maxWorkers: 6,
      warmWorkers: 1,
      serviceHandler: async () => assert.fail("this test makes no service calls"),
    });
    await executor.start();
    try {
      assert.equal(executor.workerCount, 1);
      assert.equal(executor.freeSlots, 6);
    } finally {
      await executor.stop(1000);
    }
    assert.equal(executor.workerCount, 0);
  });

  it("starts workers as tasks need them and retires the idle ones down to the warm ones", async () => {
    const home = tempHome();
    const barrier = join(home.home, "barrier");
    // Three tasks that each wait until all three run: the run only ends if three workers ran at once.
    home.writeDag(
      "three_at_once.ts",
      `import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { DAG } from "kitelab";
export const dag = new DAG({ dagId: "three_at_once", schedule: null });
for (const id of ["a", "b", "c"])
  dag.task(id, { executionTimeout: 30_000 }, async () => {
    mkdirSync(${JSON.stringify(barrier)}, { recursive: true });
    writeFileSync(${JSON.stringify(barrier)} + "/" + id, String(process.pid));
    while (readdirSync(${JSON.stringify(barrier)}).length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    return process.pid;
  });
export const single = new DAG({ dagId: "single", schedule: null });
single.task("only", async () => process.pid);
`,
    );
    let scheduler: Scheduler | undefined;
    const executor = new LocalExecutor({
      parallelism: 3,
      maxWorkers: 3,
      warmWorkers: 1,
      idleRetireMs: 300,
      serviceHandler: (...args) => scheduler!.serviceHandler(...args),
    });
    scheduler = new Scheduler(
      new MemorySchedulerStore(),
      executor,
      testSchedulerSettings(home.dags, home.logs, { parallelism: 3, catchupByDefault: false }),
    );
    await executor.start();
    await scheduler.start();
    try {
      assert.equal(executor.workerCount, 1, "only the warm worker at start");
      const run = await scheduler.trigger("three_at_once");
      assert.equal((await scheduler.waitForRun("three_at_once", run.runId)).state, "success");
      assert.equal(executor.workerCount, 3, "two more workers were started for the tasks");
      await waitFor("the idle workers to be retired", () => (executor.workerCount === 1 ? true : undefined), 30_000);
      const after = await scheduler.trigger("single");
      assert.equal(
        (await scheduler.waitForRun("single", after.runId)).state,
        "success",
        "the warm worker still runs tasks",
      );
      assert.equal(executor.workerCount, 1);
    } finally {
      await scheduler.stop(1000);
      home.cleanup();
    }
    assert.equal(executor.workerCount, 0);
  });
});
