// [core] worker_memory_limit_mb: a task's worker may hold so much memory, heap and Buffers
// together; past it the task fails saying so and its worker is replaced.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { LocalExecutor } from "../src/executor/localExecutor.js";
import { Scheduler } from "../src/scheduler/scheduler.js";
import { MemorySchedulerStore } from "../src/scheduler/memoryStore.js";
import { tempHome } from "./helpers/tempHome.js";
import { testSchedulerSettings } from "./helpers/schedulerSettings.js";

const LIMIT_MB = 64;

describe("a worker's memory cap", () => {
  const home = tempHome();
  const store = new MemorySchedulerStore();
  let scheduler: Scheduler;

  before(async () => {
    home.writeDag(
      "memory.ts",
      `import { DAG } from "kitelab";
const keep: Buffer[] = [];
export const holds = new DAG({ dagId: "holds_buffers", schedule: null });
holds.task("load", async () => {
  keep.push(Buffer.alloc(200 * 2 ** 20, 1));
  await new Promise((resolve) => setTimeout(resolve, 3000));
  return keep.length;
});
export const quick = new DAG({ dagId: "buffers_in_one_go", schedule: null });
quick.task("load", () => {
  keep.push(Buffer.alloc(200 * 2 ** 20, 1));
  return keep.length;
});
export const heap = new DAG({ dagId: "fills_the_heap", schedule: null });
heap.task("load", () => {
  const rows: number[][] = [];
  while (rows.length < 1e6) rows.push(new Array(100_000).fill(rows.length));
  return rows.length;
});
export const fits = new DAG({ dagId: "fits", schedule: null });
fits.task("load", () => Buffer.alloc(2 ** 20, 1).length);
`,
    );
    const executor = new LocalExecutor({
      parallelism: 1,
      serviceHandler: (...args) => scheduler.serviceHandler(...args),
      workerMemoryLimitMb: LIMIT_MB,
    });
    scheduler = new Scheduler(
      store,
      executor,
      testSchedulerSettings(home.dags, home.logs, { parallelism: 1, catchupByDefault: false }),
    );
    await executor.start();
    await scheduler.start();
  });

  after(async () => {
    await scheduler.stop(1000);
    home.cleanup();
  });

  for (const dagId of ["holds_buffers", "buffers_in_one_go", "fills_the_heap"]) {
    it(`fails the task of '${dagId}' with the cause and the key to raise`, async () => {
      const run = await scheduler.trigger(dagId, {});
      assert.equal((await scheduler.waitForRun(dagId, run.runId, { timeoutMs: 120_000 })).state, "failed");
      const [ti] = store.taskInstances(dagId, run.runId);
      assert.equal(ti?.state, "failed");
      assert.match(
        ti?.error?.message ?? "",
        /^the task used more than 64 MB of memory \(heap and Buffers\), so its worker process was ended; .* raise \[core\] worker_memory_limit_mb$/,
      );
    });
  }

  it("leaves a task under the cap alone, on the replaced worker", async () => {
    const run = await scheduler.trigger("fits", {});
    assert.equal((await scheduler.waitForRun("fits", run.runId, { timeoutMs: 120_000 })).state, "success");
  });
});
