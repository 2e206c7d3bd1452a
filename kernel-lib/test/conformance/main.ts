/**
 * The TypeScript half of `npm run conformance` (scripts/conformance.mjs runs Airflow):
 *   cases WORKDIR    write the seeded cases for each Airflow version to WORKDIR
 *   golden WORKDIR   merge Airflow's answers from WORKDIR into golden/schedules.json and
 *                    golden/run_ids.json (golden-run-ids WORKDIR: only the latter)
 *   report           check Kitelab against the goldens and print the table
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
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
  checkRunIds,
  readRunIdGolden,
  RUN_ID_CASES,
  RUN_IDS_FILE,
  type RunIdGolden,
} from "./golden.js";
import { runIdCases } from "./runIdCases.js";
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
    writeFileSync(
      join(workdir, `run-id-cases-${version}.json`),
      JSON.stringify({ cases: runIdCases(SEED, RUN_ID_CASES) }),
    );
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
  writeRunIdGolden(workdir);
} else if (command === "golden-run-ids" && workdir) {
  writeRunIdGolden(workdir);
} else if (command === "report") {
  const rows = [...checkGolden(readGolden()), ...checkRunIds(readRunIdGolden())];
  console.log(formatTable(rows));
  for (const row of rows)
    for (const difference of row.differences.slice(0, 10)) console.log(`  ${row.area}: ${difference}`);
  process.exitCode = rows.some((row) => row.differing > 0) ? 1 : 0;
} else {
  console.error("usage: main.ts cases WORKDIR | golden WORKDIR | golden-run-ids WORKDIR | report");
  process.exitCode = 2;
}

/** Merges each Airflow version's run ids found in `workdir` into golden/run_ids.json. */
function writeRunIdGolden(directory: string): void {
  const versions = Object.values(AIRFLOW_FOR).filter((version) =>
    existsSync(join(directory, `run-id-answers-${version}.json`)),
  );
  const answers = new Map<string, Record<string, string | { error: string }>>();
  for (const version of versions) {
    const output = JSON.parse(readFileSync(join(directory, `run-id-answers-${version}.json`), "utf8")) as {
      airflow: string;
      results: Record<string, string | { error: string }>;
    };
    if (output.airflow !== version) throw new Error(`expected answers from Airflow ${version}, got ${output.airflow}`);
    answers.set(version, output.results);
  }
  const golden: RunIdGolden = {
    seed: SEED,
    airflow: versions,
    cases: runIdCases(SEED, RUN_ID_CASES).map((c) => ({
      ...c,
      airflow: Object.fromEntries(versions.map((version) => [version, answers.get(version)![c.id]!])),
    })),
  };
  writeFileSync(RUN_IDS_FILE, `${JSON.stringify(golden).replace(/\},\{"id"/g, '},\n{"id"')}\n`);
}
