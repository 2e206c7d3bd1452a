import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { poolSize } from "../src/executor/poolSize.js";
import { LocalExecutor } from "../src/executor/localExecutor.js";

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
      serviceHandler: async () => undefined,
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
});
