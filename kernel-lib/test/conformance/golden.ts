/**
 * The conformance goldens: Airflow's answers to the seeded cases, committed with the Airflow
 * version and the seed, and checked against Kitelab without Airflow installed.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { manualDifference, scheduleDifference, type ManualAnswer, type ScheduleAnswer } from "./compareSchedules.js";
import type { ManualCase, ScheduleCase } from "./scheduleCases.js";
import { kitelabRunId, type RunIdCase } from "./runIdCases.js";
import { kitelabTriggerRules, type TriggerRuleCase } from "./triggerRules.js";
import { kitelabTemplates, type TEMPLATE_RUN, type TemplateCase } from "./templateCases.js";

export const SEED = 13;
export const SCHEDULE_CASES = 1000;
export const MANUAL_CASES = 200;
export const GOLDEN_FILE = fileURLToPath(new URL("./golden/schedules.json", import.meta.url));

/** Which Airflow answers which semantics: Airflow 2's data intervals, Airflow 3's trigger timetables. */
export const AIRFLOW_FOR = { airflow2: "2.10.5", airflow3: "3.1.3" } as const;

type Answer<T> = T | { error: string };

export interface Golden {
  seed: number;
  airflow: typeof AIRFLOW_FOR;
  schedules: Array<ScheduleCase & { airflow: Answer<ScheduleAnswer> }>;
  manual: Array<ManualCase & { airflow: Answer<ManualAnswer> }>;
}

export interface AreaResult {
  area: string;
  cases: number;
  agreeing: number;
  differing: number;
  /** Cases Airflow itself failed on (croniter asserts at some DST edges): not counted. */
  airflowErrors: number;
  differences: string[];
}

export function readGolden(path = GOLDEN_FILE): Golden {
  return JSON.parse(readFileSync(path, "utf8")) as Golden;
}

function area<C extends { id: string; airflow: Answer<A> }, A>(
  name: string,
  cases: C[],
  differenceOf: (c: C, answer: A) => string | undefined,
): AreaResult {
  const result: AreaResult = { area: name, cases: 0, agreeing: 0, differing: 0, airflowErrors: 0, differences: [] };
  for (const c of cases) {
    const answer = c.airflow;
    if (answer && typeof answer === "object" && "error" in answer) {
      result.airflowErrors += 1;
      continue;
    }
    result.cases += 1;
    const difference = differenceOf(c, answer as A);
    if (difference) {
      result.differing += 1;
      result.differences.push(`${c.id} ${JSON.stringify({ ...c, airflow: undefined })}: ${difference}`);
    } else {
      result.agreeing += 1;
    }
  }
  return result;
}

/** Kitelab against every golden answer, one row per area. */
export function checkGolden(golden: Golden): AreaResult[] {
  return [
    area(
      "schedules (Airflow 2 semantics)",
      golden.schedules.filter((c) => c.semantics === "airflow2"),
      scheduleDifference,
    ),
    area(
      "schedules (Airflow 3 semantics)",
      golden.schedules.filter((c) => c.semantics === "airflow3"),
      scheduleDifference,
    ),
    area("manual-run data interval", golden.manual, manualDifference),
  ];
}

export function formatTable(rows: AreaResult[]): string {
  const header = ["area", "cases", "agreeing", "differing", "Airflow errors (not counted)"];
  const lines = [
    header,
    ...rows.map((row) => [
      row.area,
      String(row.cases),
      String(row.agreeing),
      String(row.differing),
      String(row.airflowErrors),
    ]),
  ];
  const widths = header.map((_, column) => Math.max(...lines.map((line) => line[column]!.length)));
  return lines.map((line) => line.map((cell, column) => cell.padEnd(widths[column]!)).join("  ")).join("\n");
}

export const RUN_ID_CASES = 300;
export const RUN_IDS_FILE = fileURLToPath(new URL("./golden/run_ids.json", import.meta.url));

/** Airflow's `DagRun.generate_run_id` for each run-id case, by Airflow version. */
export interface RunIdGolden {
  seed: number;
  airflow: string[];
  cases: Array<RunIdCase & { airflow: Record<string, string | { error: string }> }>;
}

export function readRunIdGolden(path = RUN_IDS_FILE): RunIdGolden {
  return JSON.parse(readFileSync(path, "utf8")) as RunIdGolden;
}

/** Kitelab's run ids against every golden answer, one row per Airflow version. */
export function checkRunIds(golden: RunIdGolden): AreaResult[] {
  return golden.airflow.map((version) =>
    area(
      `run ids vs ${version}`,
      golden.cases.map((c) => ({ ...c, airflow: c.airflow[version] ?? { error: "not asked" } })),
      (c, answer: string) => {
        const kitelab = kitelabRunId(c);
        return kitelab === answer ? undefined : `Airflow ${answer}, Kitelab ${kitelab}`;
      },
    ),
  );
}

export const TRIGGER_RULES_FILE = fileURLToPath(new URL("./golden/trigger_rules.json", import.meta.url));

/**
 * Airflow's final state of each trigger-rule case's target, by Airflow version; a version
 * is absent from a case when it lacks the rule (all_done_min_one_success before Airflow 3).
 */
export interface TriggerRuleGolden {
  airflow: string[];
  cases: Array<TriggerRuleCase & { airflow: Record<string, string | null> }>;
}

export function readTriggerRuleGolden(path = TRIGGER_RULES_FILE): TriggerRuleGolden {
  return JSON.parse(readFileSync(path, "utf8")) as TriggerRuleGolden;
}

/** Kitelab's `dag.test()` against every golden trigger-rule answer, one row per Airflow version. */
export async function checkTriggerRules(golden: TriggerRuleGolden): Promise<AreaResult[]> {
  const kitelab = await kitelabTriggerRules(golden.cases);
  return golden.airflow.map((version) =>
    area(
      `trigger rules vs ${version}`,
      golden.cases
        .filter((c) => version in c.airflow)
        .map((c) => ({ ...c, airflow: c.airflow[version] ?? { error: "no final state" } })),
      (c, answer: string) =>
        kitelab[c.id] === answer
          ? undefined
          : `${c.rule} over [${c.upstreams.join(", ")}]: Airflow ${answer}, Kitelab ${kitelab[c.id]}`,
    ),
  );
}

export const TEMPLATES_FILE = fileURLToPath(new URL("./golden/templates.json", import.meta.url));

/** What Airflow's BashOperator rendered for each template case, by Airflow version (absent: not asked). */
export interface TemplateGolden {
  run: typeof TEMPLATE_RUN;
  airflow: string[];
  cases: Array<TemplateCase & { airflow: Record<string, string> }>;
}

export function readTemplateGolden(path = TEMPLATES_FILE): TemplateGolden {
  return JSON.parse(readFileSync(path, "utf8")) as TemplateGolden;
}

/** Kitelab's BashOperator in dag.test() against every golden rendering, one row per Airflow version. */
export async function checkTemplates(golden: TemplateGolden): Promise<AreaResult[]> {
  const rows: AreaResult[] = [];
  for (const version of golden.airflow) {
    const semantics = version === AIRFLOW_FOR.airflow2 ? "airflow2" : "airflow3";
    const cases = golden.cases.filter((c) => version in c.airflow);
    const kitelab = await kitelabTemplates(cases, semantics);
    rows.push(
      area(
        `templates vs ${version}`,
        cases.map((c) => ({ ...c, airflow: c.airflow[version]! })),
        (c, answer: string) =>
          kitelab[c.id] === answer
            ? undefined
            : `${c.kitelab ?? c.jinja}: Airflow ${JSON.stringify(answer)}, Kitelab ${JSON.stringify(kitelab[c.id])}`,
      ),
    );
  }
  return rows;
}
