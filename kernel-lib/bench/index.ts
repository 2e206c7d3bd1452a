/** `npm run bench`: prints the figures the issues ask for, with their targets. */
import { benchScheduler } from "./scheduler.js";
import { benchStore } from "./store.js";
import { benchStudentSteps } from "./student.js";
import { FileStore } from "../src/persistence/index.js";
import { join } from "node:path";

interface Figure {
  name: string;
  value: number;
  unit: string;
  target?: string;
}

function print(figures: Figure[]): void {
  for (const figure of figures) {
    const value = figure.value < 10 ? figure.value.toFixed(2) : figure.value.toFixed(0);
    console.log(`${figure.name.padEnd(58)} ${`${value} ${figure.unit}`.padStart(12)}${figure.target ? `   (target ${figure.target})` : ""}`);
  }
}

const scheduler = await benchScheduler(async (home) => FileStore.open(join(home, "store"), { writer: true, home }));
const store = await benchStore();
const student = await benchStudentSteps();
print([
  { name: "downstream task start after upstream end, median", value: scheduler.downstreamStartMedianMs, unit: "ms", target: "< 20 ms" },
  { name: "downstream task start after upstream end, p95", value: scheduler.downstreamStartP95Ms, unit: "ms", target: "< 20 ms" },
  { name: "downstream task start after upstream end, max", value: scheduler.downstreamStartMaxMs, unit: "ms" },
  { name: "new DAG file listed after it is written", value: scheduler.newDagFileListedMs, unit: "ms", target: "< 2000 ms" },
  { name: `store: one task-instance write, median (${store.taskInstancesStored} TIs stored)`, value: store.writeMedianMs, unit: "ms", target: "< 10 ms" },
  { name: "store: one task-instance write, p95", value: store.writeP95Ms, unit: "ms", target: "< 10 ms" },
  { name: "store: open (scheduler start-up read)", value: store.openMs, unit: "ms", target: "< 1000 ms" },
  { name: "kitelab standalone: start until the 5 examples are listed", value: student.standaloneReadyMs, unit: "ms" },
  { name: "example_bash_pipeline: trigger until the run succeeded", value: student.triggeredRunDoneMs, unit: "ms" },
  { name: "kitelab dags test example_bash_pipeline.ts: whole command", value: student.dagsTestMs, unit: "ms" },
]);
