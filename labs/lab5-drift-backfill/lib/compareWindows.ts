/**
 * Scores retraining windows as lab5_retrain would use them: prints, as JSON, the mean
 * accuracy of each window over the given weeks (each week's model retrained on the weeks
 * just before it). The notebook's Exercise 2 runs it.
 * Run: node --import tsx labs/lab5-drift-backfill/lib/compareWindows.ts 2021-02-01,2021-02-08 1,2,3,4
 */
import { windowAccuracy } from "./model.js";

const [weeksArg = "2021-02-01,2021-02-08,2021-02-15,2021-02-22", windowsArg = "1,2,3,4,8,12", perDay = "40"] =
  process.argv.slice(2);
const weeks = weeksArg.split(",").map((day) => new Date(`${day}T05:00:00Z`));
const windows = windowsArg.split(",").map(Number);
const rows = windows.map((weeksBack) => ({
  windowWeeks: weeksBack,
  meanAccuracy: windowAccuracy(weeksBack, weeks, Number(perDay)),
}));
process.stdout.write(`${JSON.stringify(rows)}\n`);
