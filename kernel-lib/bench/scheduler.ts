import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalExecutor } from "../src/executor/localExecutor.js";
import { Scheduler, type SchedulerSettings } from "../src/scheduler/scheduler.js";
import type { SchedulerStore } from "../src/scheduler/schedulerStore.js";
import { MemorySchedulerStore } from "../src/scheduler/memoryStore.js";

const CHAIN_LENGTH = 40;

function chainDagSource(): string {
  const lines = [
    `import { DAG } from "kitelab";`,
    `export const dag = new DAG({ dagId: "latency_chain", schedule: null });`,
    `let previous = dag.task("t0", async () => Date.now());`,
  ];
  for (let index = 1; index < CHAIN_LENGTH; index += 1) {
    lines.push(
      `{ const task = dag.task("t${index}", async ({ ti }) => { const started = Date.now(); const upstreamEnd = ti.xcomPull<number | { end: number }>("t${index - 1}"); const end = typeof upstreamEnd === "number" ? upstreamEnd : upstreamEnd!.end; ti.xcomPush("gap", started - end); return { end: Date.now() }; }); previous.then(task); previous = task; }`,
    );
  }
  return `${lines.join("\n")}\n`;
}

export interface SchedulerFigures {
  chainLength: number;
  /** From the trigger until the run of the chain succeeded. */
  chainRunMs: number;
  downstreamStartMedianMs: number;
  downstreamStartP99Ms: number;
  downstreamStartMaxMs: number;
  newDagFileListedMs: number;
}

/**
 * Measures what a student feels: how soon a downstream task starts after its upstream
 * task finished (timestamps taken inside the tasks, so IPC and durable writes count), and
 * how soon a DAG file dropped into the folder is listed.
 */
export async function benchScheduler(
  makeStore: (home: string) => Promise<SchedulerStore> = async () => new MemorySchedulerStore(),
): Promise<SchedulerFigures> {
  const home = mkdtempSync(join(tmpdir(), "kitelab-bench-"));
  const dags = join(home, "dags");
  mkdirSync(dags);
  writeFileSync(join(dags, "latency_chain.ts"), chainDagSource());
  const store = await makeStore(home);
  const settings: SchedulerSettings = {
    dagFolders: [dags],
    listIntervalMs: 300_000,
    importTimeoutMs: 30_000,
    parallelism: 2,
    maxActiveTasksPerDag: 16,
    maxActiveRunsPerDag: 16,
    catchupByDefault: false,
    pausedAtCreation: false,
    heartbeatMs: 5000,
    semantics: "airflow2",
    baseLogFolder: join(home, "logs"),
    xcomMaxBytes: 48 * 1024,
  };
  let scheduler: Scheduler | undefined;
  const executor = new LocalExecutor({
    parallelism: 2,
    serviceHandler: (...args) => scheduler!.serviceHandler(...args),
  });
  scheduler = new Scheduler(store, executor, settings);
  try {
    await executor.start();
    await scheduler.start();
    // A first run warms the workers' module cache, as a student's second run would be.
    const warm = await scheduler.trigger("latency_chain", { logicalDate: new Date("2024-01-01T00:00:00Z") });
    await scheduler.waitForRun("latency_chain", warm.runId);
    const triggered = performance.now();
    const run = await scheduler.trigger("latency_chain", { logicalDate: new Date("2024-01-02T00:00:00Z") });
    const finished = await scheduler.waitForRun("latency_chain", run.runId);
    const chainRunMs = performance.now() - triggered;
    if (finished.state !== "success") throw new Error(`the latency chain ended ${finished.state}`);
    const gaps = store
      .xcoms("latency_chain", run.runId)
      .filter((xcom) => xcom.key === "gap")
      .map((xcom) => Number(xcom.value))
      .sort((a, b) => a - b);
    const pick = (fraction: number) => gaps[Math.min(gaps.length - 1, Math.floor(fraction * gaps.length))]!;

    const dropped = Date.now();
    writeFileSync(
      join(dags, "dropped.ts"),
      `import { DAG } from "kitelab";\nexport const dag = new DAG({ dagId: "dropped_in" });\ndag.task("only", async () => 1);\n`,
    );
    while (!store.getDag("dropped_in")) {
      if (Date.now() - dropped > 30_000) throw new Error("the dropped DAG file was not listed within 30 s");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return {
      chainLength: CHAIN_LENGTH,
      chainRunMs,
      downstreamStartMedianMs: pick(0.5),
      downstreamStartP99Ms: pick(0.99),
      downstreamStartMaxMs: gaps[gaps.length - 1]!,
      newDagFileListedMs: Date.now() - dropped,
    };
  } finally {
    await scheduler.stop(1000);
    rmSync(home, { recursive: true, force: true });
  }
}
