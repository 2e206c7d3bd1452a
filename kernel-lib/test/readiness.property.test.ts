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
import { TRIGGER_RULES } from "../src/engine/triggerRules.js";
import type { TaskInstanceRecord } from "../src/records.js";
import { RunReadiness } from "../src/scheduler/readiness.js";
import type { TaskInstanceView } from "../src/scheduler/schedulerStore.js";

const runArbitrary = fc.integer({ min: 1, max: 12 }).chain((size) =>
  fc.record({
    rules: fc.array(fc.constantFrom(...TRIGGER_RULES), { minLength: size, maxLength: size }),
    retries: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: size, maxLength: size }),
    timeouts: fc.array(fc.boolean(), { minLength: size, maxLength: size }),
    edges: fc.array(fc.tuple(fc.nat(size - 1), fc.nat(size - 1)), { maxLength: size * 2 }),
    outcomes: fc.array(fc.constantFrom("success", "success", "failed", "skipped", "branch", "wait"), {
      minLength: 200,
      maxLength: 200,
    }),
    picks: fc.array(fc.nat(100), { minLength: 200, maxLength: 200 }),
  }),
);

const sorted = (values: readonly string[]) => [...values].sort();

describe("the scheduler's readiness, told of each change, against the engine's look at the whole run", () => {
  it("decides what decideRun decides at every step of random runs", () => {
    fc.assert(
      fc.property(runArbitrary, ({ rules, retries, timeouts, edges, outcomes, picks }) => {
        const tasks: EngineTask[] = rules.map((rule, index) => ({
          taskId: `t${index}`,
          triggerRule: rule,
          retries: retries[index]!,
          retryDelayMs: 1000,
          retryExponentialBackoff: false,
          ...(timeouts[index] ? { executionTimeoutMs: 1500 } : {}),
          upstreamIds: [...new Set(edges.filter(([a, b]) => a < b && b === index).map(([a]) => `t${a}`))],
        }));
        const dag = compileEngineDag("random", tasks);
        const snapshot: Record<string, TaskInstanceSnapshot> = {};
        for (const task of tasks) snapshot[task.taskId] = { state: "none", tryNumber: 0 };
        const view = snapshot as unknown as TaskInstanceView;
        const readiness = new RunReadiness(dag, view);
        const change = (taskId: string, next: TaskInstanceSnapshot) => {
          snapshot[taskId] = next;
          readiness.noteChanged([taskId], view);
        };
        let clock = Date.parse("2024-01-01T00:00:00Z");
        let step = 0;
        for (let guard = 0; guard < 500; guard += 1) {
          const now = new Date(clock);
          const whole = decideRun(dag, snapshot, now);
          const part = readiness.decide(view, now);
          assert.deepEqual(sorted(part.ready), sorted(whole.ready), "ready");
          assert.deepEqual(sorted(part.timedOut), sorted(whole.timedOut), "timed out");
          assert.deepEqual(
            sorted(part.changes.map((c) => `${c.taskId}=${c.state}`)),
            sorted(whole.changes.map((c) => `${c.taskId}=${c.state}`)),
            "changes",
          );
          assert.equal(part.nextWakeAt, whole.nextWakeAt, "next wake-up");
          for (const decided of whole.changes)
            change(decided.taskId, { ...snapshot[decided.taskId]!, state: decided.state });
          assert.equal(readiness.runState(view), decideRun(dag, snapshot, now).runState, "run state");
          if (whole.runState !== "running") return;
          for (const taskId of whole.ready)
            change(taskId, {
              state: "running",
              tryNumber: snapshot[taskId]!.tryNumber + 1,
              startDate: now.toISOString(),
            });
          for (const taskId of whole.timedOut) change(taskId, { ...snapshot[taskId]!, state: "failed" });
          const running = Object.entries(snapshot).filter(([, instance]) => instance.state === "running");
          const kind = outcomes[step % outcomes.length]!;
          if (running.length > 0 && kind !== "wait") {
            const [taskId] = running[picks[step % picks.length]! % running.length]!;
            step += 1;
            const outcome =
              kind === "branch"
                ? { kind: "success" as const, skipTaskIds: [...(dag.downstream.get(taskId) ?? [])].slice(0, 1) }
                : kind === "failed"
                  ? { kind: "failed" as const }
                  : kind === "skipped"
                    ? { kind: "skipped" as const }
                    : { kind: "success" as const };
            for (const next of applyAttemptOutcome(dag, snapshot, taskId, outcome, now, now.toISOString()))
              change(next.taskId, { ...snapshot[next.taskId]!, state: next.state, nextRetryAt: next.nextRetryAt });
          } else {
            step += 1;
            clock += 1000;
          }
        }
        assert.fail("the run did not finish within 500 steps");
      }),
      { numRuns: 300 },
    );
  });

  it("a task that was ready stays offered until it is queued, and is offered no more once it is", () => {
    const dag = compileEngineDag("fan", [
      {
        taskId: "root",
        upstreamIds: [],
        triggerRule: "all_success",
        retries: 0,
        retryDelayMs: 0,
        retryExponentialBackoff: false,
      },
      {
        taskId: "a",
        upstreamIds: ["root"],
        triggerRule: "all_success",
        retries: 0,
        retryDelayMs: 0,
        retryExponentialBackoff: false,
      },
      {
        taskId: "b",
        upstreamIds: ["root"],
        triggerRule: "all_success",
        retries: 0,
        retryDelayMs: 0,
        retryExponentialBackoff: false,
      },
    ]);
    const instances: Record<string, Partial<TaskInstanceRecord>> = {
      root: { taskId: "root", state: "success", tryNumber: 1 },
      a: { taskId: "a", state: "none", tryNumber: 0 },
      b: { taskId: "b", state: "none", tryNumber: 0 },
    };
    const view = instances as unknown as TaskInstanceView;
    const readiness = new RunReadiness(dag, view);
    const now = new Date("2024-01-01T00:00:00Z");
    assert.deepEqual(readiness.decide(view, now).ready, ["a", "b"]);
    // Only 'a' found a slot: 'b' is offered again next turn, though nothing about it changed.
    instances.a = { ...instances.a, state: "queued", tryNumber: 1 };
    readiness.noteChanged(["a"], view);
    assert.deepEqual(readiness.decide(view, now).ready, ["b"]);
    assert.deepEqual(readiness.decide(view, now).ready, ["b"]);
  });
});
