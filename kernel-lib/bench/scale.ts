/**
 * The scheduler path at scale, timed from outside on a real `kitelab standalone`: a wide
 * fan-out against `kitelab dags test` of the same file, a 10,000-task DAG and its page, 50
 * runs at once with the API's latency meanwhile, and the memory of the idle standalone.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { BIN, percentile, startStandalone, treeRss, until, type Standalone } from "./standaloneProcess.js";

/** A DAG of one root task and `width - 1` no-op tasks after it. */
export function fanOutSource(dagId: string, width: number): string {
  return `import { DAG } from "kitelab";
export const dag = new DAG({ dagId: "${dagId}", schedule: null, maxActiveTasks: 64 });
const root = dag.task("root", async () => 1);
for (let index = 1; index < ${width}; index += 1) root.then(dag.task(\`t\${index}\`, async () => index));
`;
}

/** A chain of `length` no-op tasks. */
export function chainSource(dagId: string, length: number, maxActiveRuns = 16): string {
  return `import { DAG } from "kitelab";
export const dag = new DAG({ dagId: "${dagId}", schedule: null, maxActiveRuns: ${maxActiveRuns} });
let previous = dag.task("t0", async () => 0);
for (let index = 1; index < ${length}; index += 1) { const task = dag.task(\`t\${index}\`, async () => index); previous.then(task); previous = task; }
`;
}

/** Runs a command to its end without blocking this process's event loop. */
function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (status) => resolve({ status, stderr }));
  });
}

async function runToEnd(
  standalone: Standalone,
  dagId: string,
  limitMs: number,
): Promise<{ ms: number; state: string }> {
  const triggered = Date.now();
  const run = await standalone.call("POST", `/dags/${dagId}/dagRuns`, {});
  const runId = encodeURIComponent(String(run.dag_run_id));
  const state = await until(
    `the ${dagId} run to end`,
    async () => {
      const current = String((await standalone.call("GET", `/dags/${dagId}/dagRuns/${runId}`)).state);
      return current === "success" || current === "failed" ? current : undefined;
    },
    limitMs,
    50,
  );
  return { ms: Date.now() - triggered, state };
}

async function waitForDags(standalone: Standalone, dagIds: readonly string[]): Promise<void> {
  await until(
    `the DAGs ${dagIds.join(", ")} to be listed`,
    async () => {
      const listed = ((await standalone.call("GET", "/dags?limit=100")).dags as Array<{ dag_id: string }>).map(
        (dag) => dag.dag_id,
      );
      return dagIds.every((dagId) => listed.includes(dagId)) ? true : undefined;
    },
    300_000,
    100,
  );
}

export interface ScaleFigures {
  fanOutStandaloneMs: number;
  fanOutDagsTestMs: number;
  bigDagRunMs: number;
  bigDagState: string;
  bigDagPageMs: number;
  concurrentRunsMs: number;
  concurrentRunsSucceeded: number;
  apiP50Ms: number;
  apiP99Ms: number;
  idleRssMb: number;
  idleProcesses: number;
}

/** Progress on stderr: the whole part takes minutes, and a figure measured is worth seeing at once. */
const progress = (line: string) => process.stderr.write(`scale: ${line}\n`);

export async function benchScale(): Promise<ScaleFigures> {
  // Without the examples: unpaused, they start catch-up runs whose tasks would share the
  // workers with the runs timed here, and keep the "idle" standalone busy when its memory is read.
  const standalone = await startStandalone(
    {
      "fan_out_1000.ts": fanOutSource("fan_out_1000", 1000),
      "wide_10000.ts": fanOutSource("wide_10000", 10_000),
      "chain_40_x50.ts": chainSource("chain_40_x50", 40, 50),
    },
    { KITELAB__CORE__LOAD_EXAMPLES: "False" },
  );
  try {
    await waitForDags(standalone, ["fan_out_1000", "wide_10000", "chain_40_x50"]);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const idle = treeRss(standalone.pid);
    progress(`idle standalone: ${idle.mb.toFixed(0)} MB in ${idle.processes} processes`);

    const fanOut = await runToEnd(standalone, "fan_out_1000", 600_000);
    if (fanOut.state !== "success") throw new Error(`bench: the fan-out run ended ${fanOut.state}`);
    const test = Date.now();
    // Not spawnSync: a bench whose event loop stands still for seconds keeps using kept-alive
    // sockets its timers should have retired, and the server closes them under it ("other side closed").
    const result = await run(
      process.execPath,
      [BIN, "dags", "test", join(standalone.dags, "fan_out_1000.ts"), "2024-01-01"],
      {
        ...process.env,
        KITELAB_HOME: join(standalone.home, "dags-test"),
      },
    );
    if (result.status !== 0) throw new Error(`bench: kitelab dags test failed:\n${result.stderr}`);
    const fanOutDagsTestMs = Date.now() - test;
    progress(`1,000-task fan-out: standalone ${fanOut.ms} ms, dags test ${fanOutDagsTestMs} ms`);

    // 50 runs of a 40-task chain at once, while a client reads the API as the status page would.
    const latencies: number[] = [];
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const began = performance.now();
        await standalone.call("GET", "/dags/chain_40_x50/dagRuns?limit=100");
        latencies.push(performance.now() - began);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    // Its failure is thrown where it is awaited below; unhandled until then, it ended the bench
    // before `finally` could stop the standalone, which was left running.
    reader.catch(() => {});
    const began = Date.now();
    const runIds: string[] = [];
    for (let index = 0; index < 50; index += 1)
      runIds.push(String((await standalone.call("POST", "/dags/chain_40_x50/dagRuns", {})).dag_run_id));
    const states = await until(
      "the 50 runs to end",
      async () => {
        const runs = (await standalone.call("GET", "/dags/chain_40_x50/dagRuns?limit=100")).dag_runs as Array<{
          state: string;
        }>;
        return runs.length >= 50 && runs.every((run) => run.state === "success" || run.state === "failed")
          ? runs
          : undefined;
      },
      900_000,
      200,
    );
    const concurrentRunsMs = Date.now() - began;
    reading = false;
    await reader;
    latencies.sort((a, b) => a - b);
    progress(
      `50 runs at once: ${concurrentRunsMs} ms; API p50 ${percentile(latencies, 0.5).toFixed(0)} ms, p99 ${percentile(latencies, 0.99).toFixed(0)} ms`,
    );

    const big = await runToEnd(standalone, "wide_10000", 1_800_000);
    progress(`10,000-task DAG: ${big.state} after ${big.ms} ms`);
    const pageStart = performance.now();
    await standalone.page("/dags/wide_10000");
    const bigDagPageMs = performance.now() - pageStart;

    return {
      fanOutStandaloneMs: fanOut.ms,
      fanOutDagsTestMs,
      bigDagRunMs: big.ms,
      bigDagState: big.state,
      bigDagPageMs,
      concurrentRunsMs,
      concurrentRunsSucceeded: states.filter((run) => run.state === "success").length,
      apiP50Ms: percentile(latencies, 0.5),
      apiP99Ms: percentile(latencies, 0.99),
      idleRssMb: idle.mb,
      idleProcesses: idle.processes,
    };
  } finally {
    await standalone.stop();
  }
}
