/**
 * The trigger-rule conformance cases and Kitelab's answers to them: every rule against every
 * combination (with repetition) of one to three upstream outcomes. Airflow answers through a
 * real `airflow dags test` (airflow/trigger_rules.py), Kitelab through its own `dag.test()`,
 * which is what `kitelab dags test` runs. Both build the same small DAG per rule: a pool of
 * producer tasks ending in each outcome, and one target task per case.
 */
import { DAG } from "../../src/dag/dag.js";
import { TRIGGER_RULES, type TriggerRule } from "../../src/engine/triggerRules.js";
import { SkipTask, TaskError } from "../../src/errors.js";
import { EmptyOperator } from "../../src/operators/empty.js";

export const OUTCOMES = ["success", "failed", "skipped", "upstream_failed"] as const;
export type Outcome = (typeof OUTCOMES)[number];
const POOL = 3;

/** Rules Airflow 2.10.5 does not have (added in Airflow 3). */
const AIRFLOW_3_ONLY: ReadonlySet<TriggerRule> = new Set(["all_done_min_one_success"]);

export interface TriggerRuleCase {
  id: string;
  rule: TriggerRule;
  upstreams: Outcome[];
}

/** Multisets of `size` outcomes, in a fixed order. */
function combinations(size: number, from = 0): Outcome[][] {
  if (size === 0) return [[]];
  const result: Outcome[][] = [];
  for (let index = from; index < OUTCOMES.length; index++)
    for (const rest of combinations(size - 1, index)) result.push([OUTCOMES[index]!, ...rest]);
  return result;
}

/** The cases one Airflow version is asked: every rule it has, against every combination (34 per rule). */
export function triggerRuleCases(airflowVersion: string): TriggerRuleCase[] {
  const airflow3 = Number.parseInt(airflowVersion, 10) >= 3;
  const rules = TRIGGER_RULES.filter((rule) => airflow3 || !AIRFLOW_3_ONLY.has(rule));
  const combos = [1, 2, 3].flatMap((size) => combinations(size));
  return rules.flatMap((rule) =>
    combos.map((upstreams) => ({ id: `${rule}__${upstreams.join("__")}`, rule, upstreams })),
  );
}

/** Kitelab's final state of every case's target, from one `dag.test()` per rule, as on the Airflow side. */
export async function kitelabTriggerRules(cases: readonly TriggerRuleCase[]): Promise<Record<string, string>> {
  const answers: Record<string, string> = {};
  for (const rule of new Set(cases.map((c) => c.rule))) {
    const ruleCases = cases.filter((c) => c.rule === rule);
    Object.assign(answers, await runRule(rule, ruleCases));
  }
  return answers;
}

async function runRule(rule: TriggerRule, cases: readonly TriggerRuleCase[]): Promise<Record<string, string>> {
  const dag = new DAG({ dagId: `kitelab_trigger_rule_${rule}`, defaultArgs: { retries: 0 } });
  for (let index = 1; index <= POOL; index++) {
    dag.task(`success_${index}`, () => null);
    dag.task(`failed_${index}`, () => {
      throw new TaskError("this producer fails on purpose");
    });
    dag.task(`skipped_${index}`, () => {
      throw new SkipTask("this producer skips on purpose");
    });
    dag.task(`failing_root_${index}`, () => {
      throw new TaskError("this producer fails on purpose");
    });
    new EmptyOperator({ dag, taskId: `upstream_failed_${index}`, upstream: [`failing_root_${index}`] });
  }
  for (const c of cases) {
    const seen = new Map<Outcome, number>();
    const upstream = c.upstreams.map((outcome) => {
      seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
      return `${outcome}_${seen.get(outcome)}`;
    });
    new EmptyOperator({ dag, taskId: c.id, triggerRule: c.rule, upstream });
  }
  const result = await dag.test({ logicalDate: "2024-01-01T00:00:00Z", quiet: true });
  for (const outcome of OUTCOMES) {
    for (let index = 1; index <= POOL; index++) {
      const state = result.task(`${outcome}_${index}`)?.state;
      if (state !== outcome) throw new Error(`producer ${outcome}_${index} ended ${state}, not ${outcome}`);
    }
  }
  return Object.fromEntries(cases.map((c) => [c.id, result.task(c.id)?.state ?? "none"]));
}
