/** `npm run bench`: prints the figures the issues ask for, with their targets. */
import { benchScheduler } from "./scheduler.js";

interface Figure {
  name: string;
  value: number;
  unit: string;
  target?: string;
}

function print(figures: Figure[]): void {
  for (const figure of figures) {
    const value = figure.value < 10 ? figure.value.toFixed(2) : figure.value.toFixed(0);
    console.log(`${figure.name.padEnd(48)} ${`${value} ${figure.unit}`.padStart(12)}${figure.target ? `   (target ${figure.target})` : ""}`);
  }
}

const scheduler = await benchScheduler();
print([
  { name: "downstream task start after upstream end, median", value: scheduler.downstreamStartMedianMs, unit: "ms", target: "< 20 ms" },
  { name: "downstream task start after upstream end, p95", value: scheduler.downstreamStartP95Ms, unit: "ms", target: "< 20 ms" },
  { name: "downstream task start after upstream end, max", value: scheduler.downstreamStartMaxMs, unit: "ms" },
  { name: "new DAG file listed after it is written", value: scheduler.newDagFileListedMs, unit: "ms", target: "< 2000 ms" },
]);
