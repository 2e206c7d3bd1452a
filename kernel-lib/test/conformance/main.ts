/**
 * The TypeScript half of `npm run conformance` (scripts/conformance.mjs runs Airflow):
 *   cases WORKDIR    write the seeded cases for each Airflow version to WORKDIR
 *   golden WORKDIR [AREA...]   merge Airflow's answers from WORKDIR into the goldens of the
 *                    areas named (all by default): schedules (golden/schedules.json, with
 *                    manual runs), run-ids (golden/run_ids.json), trigger-rules
 *                    (golden/trigger_rules.json), templates (golden/templates.json)
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
  checkTriggerRules,
  readTriggerRuleGolden,
  TRIGGER_RULES_FILE,
  type TriggerRuleGolden,
  checkTemplates,
  readTemplateGolden,
  TEMPLATES_FILE,
  type TemplateGolden,
} from "./golden.js";
import { renderingCommand, TEMPLATE_CASES, TEMPLATE_RUN, templateCases } from "./templateCases.js";
import { runIdCases } from "./runIdCases.js";
import { triggerRuleCases } from "./triggerRules.js";
import { DUE_LIMIT, manualCases, scheduleCases } from "./scheduleCases.js";

const [command, workdir] = process.argv.slice(2);
/** The areas `golden WORKDIR [AREA...]` can rewrite (all of them when none is named). */
const GOLDEN_WRITERS: Record<string, (directory: string) => void> = {
  schedules: writeScheduleGolden,
  "run-ids": writeRunIdGolden,
  "trigger-rules": writeTriggerRuleGolden,
  templates: writeTemplateGolden,
};
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
    writeFileSync(
      join(workdir, `trigger-rule-cases-${version}.json`),
      JSON.stringify({ cases: triggerRuleCases(version) }),
    );
    const asked = templateCases(version);
    writeFileSync(
      join(workdir, `template-cases-${version}.json`),
      JSON.stringify({ run: TEMPLATE_RUN, command: renderingCommand(asked, "jinja"), cases: asked }),
    );
  }
} else if (command === "golden" && workdir) {
  const areas = process.argv.slice(4);
  const unknown = areas.filter((name) => !(name in GOLDEN_WRITERS));
  if (unknown.length > 0)
    throw new Error(`unknown area ${unknown.join(", ")}: the areas are ${Object.keys(GOLDEN_WRITERS).join(", ")}`);
  for (const name of areas.length > 0 ? areas : Object.keys(GOLDEN_WRITERS)) GOLDEN_WRITERS[name]!(workdir);
} else if (command === "report") {
  const rows = [
    ...checkGolden(readGolden()),
    ...checkRunIds(readRunIdGolden()),
    ...(await checkTriggerRules(readTriggerRuleGolden())),
    ...(await checkTemplates(readTemplateGolden())),
  ];
  console.log(formatTable(rows));
  for (const row of rows)
    for (const difference of row.differences.slice(0, 10)) console.log(`  ${row.area}: ${difference}`);
  process.exitCode = rows.some((row) => row.differing > 0) ? 1 : 0;
} else {
  console.error(
    `usage: main.ts cases WORKDIR | golden WORKDIR [${Object.keys(GOLDEN_WRITERS).join(" | ")}]... | report`,
  );
  process.exitCode = 2;
}

/** Rewrites golden/schedules.json (schedules and manual runs) from both versions' answers in `directory`. */
function writeScheduleGolden(directory: string): void {
  const answers: Record<string, { schedules: Record<string, unknown>; manual: Record<string, unknown> }> = {};
  for (const version of Object.values(AIRFLOW_FOR)) {
    const output = JSON.parse(readFileSync(join(directory, `answers-${version}.json`), "utf8")) as {
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

/**
 * Merges each Airflow version's trigger-rule answers found in `directory` into
 * golden/trigger_rules.json; a version missing from `directory` keeps its committed answers.
 */
function writeTriggerRuleGolden(directory: string): void {
  const committed = existsSync(TRIGGER_RULES_FILE) ? readTriggerRuleGolden() : { airflow: [], cases: [] };
  const answers = new Map<string, Record<string, string | null>>();
  for (const version of Object.values(AIRFLOW_FOR)) {
    const file = join(directory, `trigger-rule-answers-${version}.json`);
    if (existsSync(file)) {
      const output = JSON.parse(readFileSync(file, "utf8")) as {
        airflow: string;
        results: Record<string, string | null>;
      };
      if (output.airflow !== version)
        throw new Error(`expected answers from Airflow ${version}, got ${output.airflow}`);
      answers.set(version, output.results);
    } else if (committed.airflow.includes(version)) {
      answers.set(
        version,
        Object.fromEntries(
          committed.cases.filter((c) => version in c.airflow).map((c) => [c.id, c.airflow[version] ?? null]),
        ),
      );
    }
  }
  const versions = [...answers.keys()];
  const golden: TriggerRuleGolden = {
    airflow: versions,
    cases: triggerRuleCases("3").map((c) => ({
      ...c,
      airflow: Object.fromEntries(
        versions
          .filter((version) => c.id in answers.get(version)!)
          .map((version) => [version, answers.get(version)![c.id]!]),
      ),
    })),
  };
  writeFileSync(TRIGGER_RULES_FILE, `${JSON.stringify(golden).replace(/\},\{"id"/g, '},\n{"id"')}\n`);
}

/** Rewrites golden/templates.json from the Airflow versions' renderings in `directory`; a version missing there keeps its committed answers. */
function writeTemplateGolden(directory: string): void {
  const committed = existsSync(TEMPLATES_FILE) ? readTemplateGolden() : undefined;
  const answers = new Map<string, Record<string, string>>();
  for (const version of Object.values(AIRFLOW_FOR)) {
    const file = join(directory, `template-answers-${version}.json`);
    if (existsSync(file)) {
      const output = JSON.parse(readFileSync(file, "utf8")) as { airflow: string; results: Record<string, string> };
      if (output.airflow !== version)
        throw new Error(`expected answers from Airflow ${version}, got ${output.airflow}`);
      answers.set(version, output.results);
    } else if (committed?.airflow.includes(version)) {
      answers.set(
        version,
        Object.fromEntries(committed.cases.filter((c) => version in c.airflow).map((c) => [c.id, c.airflow[version]!])),
      );
    }
  }
  const versions = [...answers.keys()];
  const golden: TemplateGolden = {
    run: TEMPLATE_RUN,
    airflow: versions,
    cases: TEMPLATE_CASES.map((c) => ({
      ...c,
      airflow: Object.fromEntries(
        versions
          .filter((version) => templateCases(version).some((asked) => asked.id === c.id))
          .filter((version) => c.id in answers.get(version)!)
          .map((version) => [version, answers.get(version)![c.id]!]),
      ),
    })),
  };
  writeFileSync(TEMPLATES_FILE, `${JSON.stringify(golden).replace(/\},\{"id"/g, '},\n{"id"')}\n`);
}
