import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  countUpstream,
  evaluateTriggerRule,
  TRIGGER_RULES,
  type TriggerDecision,
  type TriggerRule,
} from "../src/engine/triggerRules.js";
import type { TaskInstanceState } from "../src/states.js";

type Case = [upstream: TaskInstanceState[], expected: TriggerDecision];

const S = "success";
const F = "failed";
const UF = "upstream_failed";
const SK = "skipped";
const R = "running";

const CASES: Record<TriggerRule, Case[]> = {
  all_success: [
    [[S, S], "run"],
    [[S, R], "wait"],
    [[S, F], "upstream_failed"],
    [[S, UF], "upstream_failed"],
    [[S, SK], "skip"],
    [[R, F], "upstream_failed"],
  ],
  all_failed: [
    [[F, UF], "run"],
    [[F, R], "wait"],
    [[F, S], "skip"],
    [[F, SK], "skip"],
  ],
  all_done: [
    [[S, F], "run"],
    [[SK, UF], "run"],
    [[S, R], "wait"],
  ],
  // As Airflow 3: any skipped upstream skips it at once; done without a success is upstream_failed.
  all_done_min_one_success: [
    [[S, F], "run"],
    [[F, SK], "skip"],
    [[S, R], "wait"],
    [[S, SK], "skip"],
    [[SK, R], "skip"],
    [[F, UF], "upstream_failed"],
    [[F, F], "upstream_failed"],
  ],
  all_done_setup_success: [
    [[S, F], "run"],
    [[S, R], "wait"],
  ],
  all_skipped: [
    [[SK, SK], "run"],
    [[SK, S], "skip"],
    [[SK, F], "skip"],
    [[SK, R], "wait"],
  ],
  one_success: [
    [[S, R], "run"],
    [[F, R], "wait"],
    [[F, F], "upstream_failed"],
    [[SK, SK], "skip"],
    [[F, SK], "upstream_failed"],
  ],
  one_failed: [
    [[F, R], "run"],
    [[UF, R], "run"],
    [[S, R], "wait"],
    [[S, SK], "skip"],
  ],
  // As Airflow: only success or failed counts as done; upstream_failed and skipped alone skip it.
  one_done: [
    [[S, R], "run"],
    [[F, R], "run"],
    [[SK, R], "wait"],
    [[SK, SK], "skip"],
    [[UF, UF], "skip"],
    [[UF, SK], "skip"],
    [[UF, R], "wait"],
    [[UF, F], "run"],
  ],
  none_failed: [
    [[S, SK], "run"],
    [[S, F], "upstream_failed"],
    [[S, R], "wait"],
    [[SK, SK], "run"],
  ],
  none_failed_min_one_success: [
    [[S, SK], "run"],
    [[SK, SK], "skip"],
    [[UF, S], "upstream_failed"],
    [[S, R], "wait"],
  ],
  none_skipped: [
    [[S, F], "run"],
    [[S, SK], "skip"],
    [[S, R], "wait"],
  ],
  always: [
    [[R, R], "run"],
    [[F, F], "run"],
    [[], "run"],
  ],
};

describe("trigger rules", () => {
  it("covers all thirteen of Airflow's rules", () => {
    assert.equal(TRIGGER_RULES.length, 13);
    assert.deepEqual(Object.keys(CASES).sort(), [...TRIGGER_RULES].sort());
  });

  for (const rule of TRIGGER_RULES) {
    for (const [upstream, expected] of CASES[rule]) {
      it(`${rule} with upstream [${upstream.join(", ")}] -> ${expected}`, () => {
        assert.equal(evaluateTriggerRule(rule, countUpstream(upstream)), expected);
      });
    }
  }

  it("runs any task without upstream tasks", () => {
    for (const rule of TRIGGER_RULES) assert.equal(evaluateTriggerRule(rule, countUpstream([])), "run");
  });

  it("all_done_setup_success skips when every setup task was skipped, fails when none succeeded", () => {
    assert.equal(evaluateTriggerRule("all_done_setup_success", countUpstream([SK, S], [true, false])), "skip");
    assert.equal(
      evaluateTriggerRule("all_done_setup_success", countUpstream([F, S], [true, false])),
      "upstream_failed",
    );
    assert.equal(evaluateTriggerRule("all_done_setup_success", countUpstream([S, F], [true, false])), "run");
  });
});
