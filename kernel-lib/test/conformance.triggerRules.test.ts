import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TRIGGER_RULES } from "../src/engine/triggerRules.js";
import { checkTriggerRules, readTriggerRuleGolden } from "./conformance/golden.js";
import { triggerRuleCases } from "./conformance/triggerRules.js";

// Airflow's answers were recorded by `npm run conformance -- --only trigger-rules`: one small DAG
// per rule through a real `airflow dags test` on Airflow 2.10.5 and 3.1.3, its targets' final
// states read from Airflow's metadata DB. Here Kitelab's dag.test() must end every target the same way.
describe("trigger rules conform to Apache Airflow (committed goldens)", async () => {
  const golden = readTriggerRuleGolden();

  it("the goldens are the generator's current cases (re-run the conformance harness after changing it)", () => {
    assert.deepEqual(
      golden.cases.map((c) => c.id),
      triggerRuleCases("3").map((c) => c.id),
    );
    assert.deepEqual(golden.airflow, ["2.10.5", "3.1.3"]);
  });

  it("every rule is asked of Airflow 3, and every rule but all_done_min_one_success of Airflow 2", () => {
    const asked = (version: string) => new Set(golden.cases.filter((c) => version in c.airflow).map((c) => c.rule));
    assert.deepEqual([...asked("3.1.3")].sort(), [...TRIGGER_RULES].sort());
    assert.deepEqual(
      [...asked("2.10.5")].sort(),
      TRIGGER_RULES.filter((rule) => rule !== "all_done_min_one_success").sort(),
    );
  });

  for (const row of await checkTriggerRules(golden)) {
    it(`${row.area}: all ${row.cases} cases agree with Airflow`, () => {
      assert.equal(row.differing, 0, row.differences.slice(0, 10).join("\n"));
      assert.equal(row.airflowErrors, 0);
      assert.ok(row.cases >= 400, `only ${row.cases} cases`);
    });
  }
});
