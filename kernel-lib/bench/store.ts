import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore } from "../src/persistence/index.js";
import type { TaskInstanceRecord } from "../src/records.js";

export interface StoreFigures {
  taskInstancesStored: number;
  writeMedianMs: number;
  writeP95Ms: number;
  openMs: number;
}

/** One scheduler write (a task instance's state) and start-up, with 10,000 task instances stored. */
export async function benchStore(runs = 1000, tasksPerRun = 10): Promise<StoreFigures> {
  const home = mkdtempSync(join(tmpdir(), "kitelab-store-bench-"));
  const dir = join(home, "store");
  try {
    const store = FileStore.open(dir, { writer: true, home });
    const start = Date.parse("2020-01-01T00:00:00Z");
    for (let index = 0; index < runs; index += 1) {
      const logicalDate = new Date(start + index * 86_400_000).toISOString();
      const runId = `scheduled__${logicalDate}`;
      const instances: TaskInstanceRecord[] = Array.from({ length: tasksPerRun }, (_, task) => ({
        dagId: "bench",
        runId,
        taskId: `task_${task}`,
        state: "success",
        tryNumber: 1,
        maxTries: 1,
        startDate: logicalDate,
        endDate: logicalDate,
        durationMs: 12,
        pool: "default_pool",
      }));
      await store.createRun(
        {
          dagId: "bench",
          runId,
          runType: "scheduled",
          state: "success",
          logicalDate,
          dataIntervalStart: logicalDate,
          dataIntervalEnd: logicalDate,
          runAfter: logicalDate,
          queuedAt: logicalDate,
          conf: {},
          externalTrigger: false,
        },
        instances,
      );
    }
    const lastRun = `scheduled__${new Date(start + (runs - 1) * 86_400_000).toISOString()}`;
    const timings: number[] = [];
    for (let write = 0; write < 200; write += 1) {
      const began = performance.now();
      await store.updateTaskInstances("bench", lastRun, [
        { taskId: `task_${write % tasksPerRun}`, state: write % 2 ? "running" : "success", tryNumber: 1 + (write % 3) },
      ]);
      timings.push(performance.now() - began);
    }
    await store.close();
    timings.sort((a, b) => a - b);
    const began = performance.now();
    const reopened = FileStore.open(dir, { writer: true, home });
    const openMs = performance.now() - began;
    const stored = reopened
      .allRuns()
      .reduce((count, run) => count + reopened.taskInstances(run.dagId, run.runId).length, 0);
    await reopened.close();
    return {
      taskInstancesStored: stored,
      writeMedianMs: timings[Math.floor(timings.length / 2)]!,
      writeP95Ms: timings[Math.floor(timings.length * 0.95)]!,
      openMs,
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
