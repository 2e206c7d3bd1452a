/**
 * The distributed executor against the local one, on this machine and timed from outside:
 * the gap from one task's end to the next one's start in a 40-task chain, and a 1,000-task
 * fan-out, through `kitelab standalone` with the LocalExecutor and through `kitelab
 * standalone` with the BullMQExecutor and two `kitelab worker`s on a real redis-server.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { poolSize } from "../src/executor/poolSize.js";
import { startRedis } from "../test/helpers/redisServer.js";
import { fanOutSource } from "./scale.js";
import { BIN, percentile, startStandalone, until, type Standalone } from "./standaloneProcess.js";

const CHAIN_LENGTH = 40;
const FAN_OUT_WIDTH = 1000;
const SLOTS = 4;

/** A chain whose tasks record, as XCom `gap`, how long after the upstream task's end they started. */
function gapChainSource(dagId: string): string {
  const lines = [
    `import { DAG } from "kitelab";`,
    `export const dag = new DAG({ dagId: "${dagId}", schedule: null });`,
    `let previous = dag.task("t0", async () => ({ end: Date.now() }));`,
  ];
  for (let index = 1; index < CHAIN_LENGTH; index += 1)
    lines.push(
      `{ const task = dag.task("t${index}", async ({ ti }) => { const started = Date.now(); ti.xcomPush("gap", started - ti.xcomPull<{ end: number }>("t${index - 1}")!.end); return { end: Date.now() }; }); previous.then(task); previous = task; }`,
    );
  return `${lines.join("\n")}\n`;
}

export interface ExecutorFigures {
  /** Task slots: the LocalExecutor's worker processes, or the workers' concurrency summed. */
  slots: number;
  chainRunMs: number;
  gapP50Ms: number;
  gapP99Ms: number;
  fanOutMs: number;
}

export interface BullmqFigures {
  local: ExecutorFigures;
  bullmq: ExecutorFigures;
  workers: number;
}

async function runToSuccess(standalone: Standalone, dagId: string): Promise<{ runId: string; ms: number }> {
  const began = performance.now();
  const runId = String((await standalone.call("POST", `/dags/${dagId}/dagRuns`, {})).dag_run_id);
  const state = await until(
    `the ${dagId} run to end`,
    async () => {
      const run = await standalone.call("GET", `/dags/${dagId}/dagRuns/${encodeURIComponent(runId)}`);
      return run.state === "success" || run.state === "failed" ? String(run.state) : undefined;
    },
    600_000,
    20,
  );
  if (state !== "success") throw new Error(`bench: the ${dagId} run ended ${state}`);
  return { runId, ms: performance.now() - began };
}

async function measure(standalone: Standalone, slots: number): Promise<ExecutorFigures> {
  await until(
    "the bench DAGs to be listed",
    async () => (((await standalone.call("GET", "/dags")).total_entries as number) >= 2 ? true : undefined),
    300_000,
    50,
  );
  // A first run warms the workers' module cache, as a student's second run would be.
  await runToSuccess(standalone, "gap_chain");
  const chain = await runToSuccess(standalone, "gap_chain");
  const gaps: number[] = [];
  for (let index = 1; index < CHAIN_LENGTH; index += 1) {
    const entry = await standalone.call(
      "GET",
      `/dags/gap_chain/dagRuns/${encodeURIComponent(chain.runId)}/taskInstances/t${index}/xcomEntries/gap?stringify=false`,
    );
    gaps.push(Number(entry.value));
  }
  gaps.sort((a, b) => a - b);
  const fanOut = await runToSuccess(standalone, "fan_out");
  return {
    slots,
    chainRunMs: chain.ms,
    gapP50Ms: percentile(gaps, 0.5),
    gapP99Ms: percentile(gaps, 0.99),
    fanOutMs: fanOut.ms,
  };
}

function startWorker(
  name: string,
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; home: string; ready: Promise<unknown> } {
  const home = mkdtempSync(join(tmpdir(), `kitelab-bench-worker-${name}-`));
  const child = spawn(process.execPath, [BIN, "worker", "--hostname", name], {
    env: { ...process.env, ...env, KITELAB_HOME: home },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const ready = until(
    `worker ${name} to be ready`,
    async () => (/ready: queues/.test(output) ? true : undefined),
    60_000,
  );
  return { child, home, ready };
}

async function stopWorker(worker: { child: ChildProcess; home: string }): Promise<void> {
  if (worker.child.exitCode === null && worker.child.signalCode === null) {
    const exited = new Promise((resolve) => worker.child.once("exit", resolve));
    worker.child.kill("SIGTERM");
    await exited;
  }
  rmSync(worker.home, { recursive: true, force: true });
}

export async function benchBullmq(): Promise<BullmqFigures> {
  const dagFiles = {
    "gap_chain.ts": gapChainSource("gap_chain"),
    "fan_out.ts": fanOutSource("fan_out", FAN_OUT_WIDTH),
  };
  // The same number of task slots on both sides: 4, the default parallelism.
  const common = { KITELAB__CORE__LOAD_EXAMPLES: "False", KITELAB__CORE__PARALLELISM: String(SLOTS) };

  const localStandalone = await startStandalone(dagFiles, common);
  let local: ExecutorFigures;
  try {
    local = await measure(
      localStandalone,
      poolSize(SLOTS, { cores: cpus().length, totalMemoryMb: totalmem() / 2 ** 20 }).maxWorkers,
    );
  } finally {
    await localStandalone.stop();
  }

  const redis = await startRedis({ fsyncEveryWrite: false });
  const concurrency = SLOTS / 2;
  const env = {
    ...common,
    KITELAB__CORE__EXECUTOR: "BullMQExecutor",
    KITELAB__BULLMQ__REDIS_URL: redis.url,
    KITELAB__BULLMQ__WORKER_CONCURRENCY: String(concurrency),
  };
  const distributed = await startStandalone(dagFiles, env).catch(async (error) => {
    await redis.cleanup();
    throw error;
  });
  const workers = ["alpha", "beta"].map((name) =>
    startWorker(name, { ...env, KITELAB__CORE__DAGS_FOLDER: distributed.dags }),
  );
  try {
    await Promise.all(workers.map((worker) => worker.ready));
    const bullmq = await measure(distributed, workers.length * concurrency);
    return { local, bullmq, workers: workers.length };
  } finally {
    await Promise.all(workers.map(stopWorker));
    await distributed.stop();
    await redis.cleanup();
  }
}
