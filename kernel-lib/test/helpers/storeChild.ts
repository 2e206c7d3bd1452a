// A separate process that uses the real FileStore, for the persistence tests:
//   node --import tsx storeChild.ts hold  <storeDir> <home>   takes the writer lock and waits
//   node --import tsx storeChild.ts churn <storeDir> <home>   writes numbered changes forever
// Both print "ready <pid>" once the store is open. See churnSlots/observeChurn for the churn sequence.
import { pathToFileURL } from "node:url";
import { FileStore } from "../../src/persistence/index.js";
import type { DagRunRecord, TaskInstanceRecord } from "../../src/records.js";

export const CHURN_DAG = "churn";
export const CHURN_RUNS = ["r0", "r1", "r2"] as const;
export const CHURN_TASKS = ["extract", "transform", "load", "report"] as const;
/** Write k goes to slot k % 5: 0-2 update every task instance of run r<slot>, 3 the heartbeat, 4 creates run extra_<k>. */
export const CHURN_SLOTS = 5;

export function churnRun(runId: string, at: string): DagRunRecord {
  return {
    dagId: CHURN_DAG,
    runId,
    runType: "manual",
    state: "running",
    logicalDate: at,
    dataIntervalStart: at,
    dataIntervalEnd: at,
    runAfter: at,
    queuedAt: at,
    conf: {},
    externalTrigger: true,
  };
}

export function churnTaskInstances(runId: string): TaskInstanceRecord[] {
  return CHURN_TASKS.map((taskId) => ({
    dagId: CHURN_DAG,
    runId,
    taskId,
    state: "running",
    tryNumber: 0,
    maxTries: 1,
  }));
}

/** What the store says about the churn sequence: the number each record carries. */
export interface ChurnObservation {
  /** Per base run: the tryNumber of each task instance (all equal unless a write was torn). */
  runs: Record<string, number[]>;
  heartbeat: number;
  extras: number[];
}

export function observeChurn(store: FileStore): ChurnObservation {
  const runs: Record<string, number[]> = {};
  for (const runId of CHURN_RUNS) {
    const byTask = new Map(store.taskInstances(CHURN_DAG, runId).map((ti) => [ti.taskId, ti.tryNumber]));
    runs[runId] = CHURN_TASKS.map((taskId) => byTask.get(taskId) ?? -1);
  }
  const beat = store.latestHeartbeat();
  const extras = store
    .allRuns(CHURN_DAG)
    .map((run) => /^extra_(\d+)$/.exec(run.runId)?.[1])
    .filter((k): k is string => k !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  return { runs, heartbeat: beat ? Number(beat.at.replace(/^write-/, "")) : 0, extras };
}

/** The number of the last write that reached the disk: the largest number any record carries. */
export function lastWrite(observed: ChurnObservation): number {
  return Math.max(0, observed.heartbeat, ...observed.extras, ...Object.values(observed.runs).flat());
}

async function churn(store: FileStore): Promise<void> {
  for (const runId of CHURN_RUNS) {
    if (!store.getRun(CHURN_DAG, runId))
      await store.createRun(churnRun(runId, "2024-01-01T00:00:00.000Z"), churnTaskInstances(runId));
  }
  let k = lastWrite(observeChurn(store));
  process.stdout.write(`ready ${process.pid} from ${k}\n`);
  for (;;) {
    k += 1;
    const slot = k % CHURN_SLOTS;
    if (slot < CHURN_RUNS.length) {
      await store.updateTaskInstances(
        CHURN_DAG,
        CHURN_RUNS[slot]!,
        CHURN_TASKS.map((taskId) => ({ taskId, tryNumber: k, state: "running" as const })),
      );
    } else if (slot === 3) {
      await store.heartbeat({ pid: process.pid, hostname: "churn", at: `write-${k}` });
    } else {
      await store.createRun(
        churnRun(`extra_${k}`, new Date(Date.UTC(2024, 0, 1) + k * 1000).toISOString()),
        churnTaskInstances(`extra_${k}`),
      );
    }
  }
}

async function main(): Promise<void> {
  const [mode, storeDir, home] = process.argv.slice(2);
  if (!mode || !storeDir || !home) throw new Error("usage: storeChild.ts hold|churn <storeDir> <home>");
  const store = FileStore.open(storeDir, { writer: true, home });
  if (mode === "hold") {
    process.stdout.write(`ready ${process.pid}\n`);
    setInterval(() => undefined, 60_000);
    return;
  }
  await churn(store);
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
    process.exit(1);
  });
}
