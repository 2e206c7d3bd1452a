import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  applyAttemptOutcome,
  compileEngineDag,
  decideRun,
  type EngineTask,
  type TaskInstanceSnapshot,
} from "../src/engine/runEngine.js";
import { TRIGGER_RULES, type TriggerRule } from "../src/engine/triggerRules.js";
import { isFinished, type TaskInstanceState } from "../src/states.js";

/** What must hold of the upstream states when a task starts, per rule: an independent reading of Airflow's docs. */
const MAY_START: Record<TriggerRule, (states: TaskInstanceState[]) => boolean> = {
  all_success: (s) => s.every((x) => x === "success"),
  all_failed: (s) => s.every((x) => x === "failed" || x === "upstream_failed"),
  all_done: (s) => s.every(isFinished),
  all_done_min_one_success: (s) => s.every(isFinished) && !s.includes("skipped") && s.includes("success"),
  all_done_setup_success: (s) => s.every(isFinished),
  all_skipped: (s) => s.every((x) => x === "skipped"),
  one_success: (s) => s.includes("success"),
  one_failed: (s) => s.some((x) => x === "failed" || x === "upstream_failed"),
  one_done: (s) => s.some((x) => x === "success" || x === "failed"),
  none_failed: (s) => s.every((x) => x === "success" || x === "skipped"),
  none_failed_min_one_success: (s) => s.every((x) => x === "success" || x === "skipped") && s.includes("success"),
  none_skipped: (s) => s.every(isFinished) && !s.includes("skipped"),
  always: () => true,
};

const WAITS_FOR_ALL = new Set<TriggerRule>(
  TRIGGER_RULES.filter((rule) => !rule.startsWith("one_") && rule !== "always"),
);

const dagArbitrary = fc.integer({ min: 1, max: 12 }).chain((size) =>
  fc.record({
    rules: fc.array(fc.constantFrom(...TRIGGER_RULES), { minLength: size, maxLength: size }),
    retries: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: size, maxLength: size }),
    edges: fc.array(fc.tuple(fc.nat(size - 1), fc.nat(size - 1)), { maxLength: size * 2 }),
    outcomes: fc.array(fc.constantFrom("success", "success", "failed", "skipped", "branch"), {
      minLength: 200,
      maxLength: 200,
    }),
    picks: fc.array(fc.nat(100), { minLength: 200, maxLength: 200 }),
  }),
);

describe("the run engine on random DAGs and random outcomes", () => {
  it("drives every run to an end that honours trigger rules and the leaf rule", () => {
    fc.assert(
      fc.property(dagArbitrary, ({ rules, retries, edges, outcomes, picks }) => {
        const tasks: EngineTask[] = rules.map((rule, index) => ({
          taskId: `t${index}`,
          triggerRule: rule,
          retries: retries[index]!,
          retryDelayMs: 1000,
          retryExponentialBackoff: false,
          // Edges go from a lower index to a higher one: acyclic by construction.
          upstreamIds: [...new Set(edges.filter(([a, b]) => a < b && b === index).map(([a]) => `t${a}`))],
        }));
        const dag = compileEngineDag("random", tasks);
        const snapshot: Record<string, TaskInstanceSnapshot> = {};
        for (const task of tasks) snapshot[task.taskId] = { state: "none", tryNumber: 0 };
        let clock = Date.parse("2024-01-01T00:00:00Z");
        let step = 0;
        for (let guard = 0; guard < 500; guard += 1) {
          const now = new Date(clock);
          const decision = decideRun(dag, snapshot, now);
          for (const change of decision.changes)
            snapshot[change.taskId] = { ...snapshot[change.taskId]!, state: change.state };
          if (decision.runState !== "running") {
            for (const task of tasks)
              assert.ok(isFinished(snapshot[task.taskId]!.state), `${task.taskId} is ${snapshot[task.taskId]!.state}`);
            const leavesOk = dag.leaves.every((id) => ["success", "skipped"].includes(snapshot[id]!.state));
            assert.equal(decision.runState, leavesOk ? "success" : "failed");
            return;
          }
          for (const taskId of decision.ready) {
            const task = dag.tasks.get(taskId)!;
            const upstream = task.upstreamIds.map((id) => snapshot[id]!.state);
            if (snapshot[taskId]!.state !== "up_for_retry") {
              assert.ok(
                MAY_START[task.triggerRule](upstream) || upstream.length === 0,
                `${taskId} (${task.triggerRule}) started with upstream [${upstream}]`,
              );
              if (WAITS_FOR_ALL.has(task.triggerRule)) assert.ok(upstream.every(isFinished));
            }
            snapshot[taskId] = {
              state: "running",
              tryNumber: snapshot[taskId]!.tryNumber + 1,
              startDate: now.toISOString(),
            };
          }
          const running = Object.entries(snapshot).filter(([, instance]) => instance.state === "running");
          if (running.length > 0) {
            const [taskId] = running[picks[step % picks.length]! % running.length]!;
            const kind = outcomes[step % outcomes.length]!;
            step += 1;
            const downstream = [...(dag.downstream.get(taskId) ?? [])];
            const outcome =
              kind === "branch"
                ? { kind: "success" as const, skipTaskIds: downstream.slice(0, 1) }
                : kind === "failed"
                  ? { kind: "failed" as const }
                  : kind === "skipped"
                    ? { kind: "skipped" as const }
                    : { kind: "success" as const };
            for (const change of applyAttemptOutcome(dag, snapshot, taskId, outcome, now, now.toISOString())) {
              snapshot[change.taskId] = {
                ...snapshot[change.taskId]!,
                state: change.state,
                nextRetryAt: change.nextRetryAt,
              };
            }
          } else {
            clock += 1000;
          }
        }
        assert.fail("the run did not finish within 500 steps");
      }),
      { numRuns: 300 },
    );
  });
});
