/**
 * The TypeScript half of `npm run conformance` (scripts/conformance.mjs runs Airflow):
 *   cases WORKDIR    write the seeded cases for each Airflow version to WORKDIR
 *   golden WORKDIR   merge Airflow's answers from WORKDIR into golden/schedules.json
 *   report           check Kitelab against the goldens and print the table
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  AIRFLOW_FOR,
  checkGolden,
  formatTable,
  GOLDEN_FILE,
  MANUAL_CASES,
  readGolden,
  SCHEDULE_CASES,
  SEED,
  type Golden,
} from "./golden.js";
import { DUE_LIMIT, manualCases, scheduleCases } from "./scheduleCases.js";

const [command, workdir] = process.argv.slice(2);
const schedules = scheduleCases(SEED, SCHEDULE_CASES);
const manual = manualCases(SEED, MANUAL_CASES);

if (command === "cases" && workdir) {
  mkdirSync(workdir, { recursive: true });
  for (const [semantics, version] of Object.entries(AIRFLOW_FOR)) {
    const cases = {
      limit: DUE_LIMIT,
      schedules: schedules.filter((c) => c.semantics === semantics),
      manual: manual.filter((c) => c.semantics === semantics),
    };
    writeFileSync(join(workdir, `cases-${version}.json`), JSON.stringify(cases));
  }
} else if (command === "golden" && workdir) {
  const answers: Record<string, { schedules: Record<string, unknown>; manual: Record<string, unknown> }> = {};
  for (const version of Object.values(AIRFLOW_FOR)) {
    const output = JSON.parse(readFileSync(join(workdir, `answers-${version}.json`), "utf8")) as {
      airflow: string;
      results: (typeof answers)[string];
    };
    if (output.airflow !== version) throw new Error(`expected answers from Airflow ${version}, got ${output.airflow}`);
    answers[version] = output.results;
  }
  const golden: Golden = {
    seed: SEED,
    airflow: AIRFLOW_FOR,
    schedules: schedules.map((c) => ({
      ...c,
      airflow: answers[AIRFLOW_FOR[c.semantics]]!.schedules[c.id] as Golden["schedules"][number]["airflow"],
    })),
    manual: manual.map((c) => ({
      ...c,
      airflow: answers[AIRFLOW_FOR[c.semantics]]!.manual[c.id] as Golden["manual"][number]["airflow"],
    })),
  };
  writeFileSync(GOLDEN_FILE, `${JSON.stringify(golden, null, 0).replace(/\},\{"id"/g, '},\n{"id"')}\n`);
} else if (command === "report") {
  const rows = checkGolden(readGolden());
  console.log(formatTable(rows));
  for (const row of rows)
    for (const difference of row.differences.slice(0, 10)) console.log(`  ${row.area}: ${difference}`);
  process.exitCode = rows.some((row) => row.differing > 0) ? 1 : 0;
} else {
  console.error("usage: main.ts cases WORKDIR | golden WORKDIR | report");
  process.exitCode = 2;
}
