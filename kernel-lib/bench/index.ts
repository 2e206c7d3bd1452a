/**
 * `npm run bench`: prints the figures the issues ask for, with their targets.
 * `npm run bench -- --only=scale,cli` runs some parts only (scheduler, store, student, scale, cli, bullmq).
 */
import { arch, cpus, totalmem } from "node:os";
import { join } from "node:path";
import { benchBullmq } from "./bullmq.js";
import { benchCli } from "./cli.js";
import { benchScale } from "./scale.js";
import { benchScheduler } from "./scheduler.js";
import { benchStore } from "./store.js";
import { benchStudentSteps } from "./student.js";
import { FileStore } from "../src/persistence/index.js";

interface Figure {
  name: string;
  value: number;
  unit: string;
  target?: string;
}

function print(figures: Figure[]): void {
  for (const figure of figures) {
    const value = figure.value < 10 ? figure.value.toFixed(2) : figure.value.toFixed(0);
    console.log(
      `${figure.name.padEnd(64)} ${`${value} ${figure.unit}`.padStart(12)}${figure.target ? `   (target ${figure.target})` : ""}`,
    );
  }
}

const only = process.argv
  .find((arg) => arg.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",");
const wanted = (part: string) => !only || only.includes(part);
if (process.argv.includes("--airflow")) {
  console.log(
    "--airflow: the side-by-side with Airflow is not built yet (it is to time the same DAGs with the Airflow 2.10.5 that `npm run conformance` installs in .conformance/airflow-2.10.5); skipped.",
  );
}
console.log(
  `# ${new Date().toISOString()}, node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? arch()}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
);

if (wanted("scheduler")) {
  const scheduler = await benchScheduler(async (home) => FileStore.open(join(home, "store"), { writer: true, home }));
  print([
    {
      name: `${scheduler.chainLength} sequential no-op tasks through the scheduler: trigger to success`,
      value: scheduler.chainRunMs,
      unit: "ms",
      target: "< 1000 ms",
    },
    {
      name: "downstream task start after upstream end, p50",
      value: scheduler.downstreamStartMedianMs,
      unit: "ms",
      target: "< 5 ms",
    },
    {
      name: "downstream task start after upstream end, p99",
      value: scheduler.downstreamStartP99Ms,
      unit: "ms",
      target: "< 20 ms",
    },
    { name: "downstream task start after upstream end, max", value: scheduler.downstreamStartMaxMs, unit: "ms" },
    {
      name: "new DAG file listed after it is written",
      value: scheduler.newDagFileListedMs,
      unit: "ms",
      target: "< 2000 ms",
    },
  ]);
}
if (wanted("store")) {
  const store = await benchStore();
  print([
    {
      name: `store: one task-instance write, median (${store.taskInstancesStored} TIs stored)`,
      value: store.writeMedianMs,
      unit: "ms",
      target: "< 10 ms",
    },
    { name: "store: one task-instance write, p95", value: store.writeP95Ms, unit: "ms", target: "< 10 ms" },
    { name: "store: open (scheduler start-up read)", value: store.openMs, unit: "ms", target: "< 1000 ms" },
  ]);
}
if (wanted("student")) {
  const student = await benchStudentSteps();
  print([
    {
      name: "kitelab standalone: start until the 5 examples are listed",
      value: student.standaloneReadyMs,
      unit: "ms",
      target: "< 1000 ms",
    },
    { name: "example_bash_pipeline: trigger until the run succeeded", value: student.triggeredRunDoneMs, unit: "ms" },
    { name: "kitelab dags test example_bash_pipeline.ts: whole command", value: student.dagsTestMs, unit: "ms" },
  ]);
}
if (wanted("cli")) {
  const cli = benchCli();
  print([
    { name: "node -e 0 (the floor)", value: cli.nodeMs, unit: "ms" },
    {
      name: "kitelab --help",
      value: cli.helpMs,
      unit: "ms",
      target: `< 3x node -e 0 = ${(3 * cli.nodeMs).toFixed(0)} ms`,
    },
    {
      name: "kitelab schedule preview",
      value: cli.previewMs,
      unit: "ms",
      target: `< 3x node -e 0 = ${(3 * cli.nodeMs).toFixed(0)} ms`,
    },
    { name: "kitelab variables list", value: cli.variablesListMs, unit: "ms" },
  ]);
}
if (wanted("scale")) {
  const scale = await benchScale();
  print([
    {
      name: `idle kitelab standalone: resident memory of its ${scale.idleProcesses} processes`,
      value: scale.idleRssMb,
      unit: "MB",
    },
    {
      name: "1,000-task fan-out on kitelab standalone: trigger to success",
      value: scale.fanOutStandaloneMs,
      unit: "ms",
      target: `< 2.5x dags test = ${(2.5 * scale.fanOutDagsTestMs).toFixed(0)} ms`,
    },
    { name: "1,000-task fan-out with kitelab dags test: whole command", value: scale.fanOutDagsTestMs, unit: "ms" },
    {
      name: `50 runs of a 40-task chain at once: all ended (${scale.concurrentRunsSucceeded}/50 succeeded)`,
      value: scale.concurrentRunsMs,
      unit: "ms",
    },
    { name: "API latency while they run, p50", value: scale.apiP50Ms, unit: "ms" },
    { name: "API latency while they run, p99", value: scale.apiP99Ms, unit: "ms", target: "< 100 ms" },
    {
      name: `10,000-task DAG on kitelab standalone: trigger to ${scale.bigDagState}`,
      value: scale.bigDagRunMs,
      unit: "ms",
    },
    { name: "10,000-task DAG: its page opens", value: scale.bigDagPageMs, unit: "ms", target: "< 1000 ms" },
  ]);
}
if (wanted("bullmq")) {
  const figures = await benchBullmq();
  for (const [name, side] of [
    ["LocalExecutor", figures.local],
    [`BullMQExecutor, ${figures.workers} kitelab workers`, figures.bullmq],
  ] as const) {
    print([
      {
        name: `${name} (${side.slots} slots): 40-task chain, trigger to success`,
        value: side.chainRunMs,
        unit: "ms",
      },
      { name: `${name}: task-to-task gap, p50`, value: side.gapP50Ms, unit: "ms" },
      { name: `${name}: task-to-task gap, p99`, value: side.gapP99Ms, unit: "ms" },
      { name: `${name}: 1,000-task fan-out, trigger to success`, value: side.fanOutMs, unit: "ms" },
    ]);
  }
}
