import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  applyAttemptOutcome,
  compileEngineDag,
  decideRun,
  decideTasks,
  type EngineTask,
  type RunSnapshot,
} from "../src/engine/runEngine.js";
import { retryDelayMs } from "../src/engine/retry.js";

function task(taskId: string, upstreamIds: string[] = [], extra: Partial<EngineTask> = {}): EngineTask {
  return {
    taskId,
    upstreamIds,
    triggerRule: "all_success",
    retries: 0,
    retryDelayMs: 1000,
    retryExponentialBackoff: false,
    ...extra,
  };
}

const NOW = new Date("2024-01-01T00:00:00Z");

describe("the run engine", () => {
  const dag = compileEngineDag("d", [task("a"), task("b", ["a"]), task("c", ["a"]), task("d", ["b", "c"])]);

  it("orders tasks topologically and finds the leaves", () => {
    assert.deepEqual(dag.order, ["a", "b", "c", "d"]);
    assert.deepEqual(dag.leaves, ["d"]);
  });

  it("makes only the roots ready at the start of a run", () => {
    const decision = decideRun(dag, {}, NOW);
    assert.deepEqual(decision.ready, ["a"]);
    assert.equal(decision.runState, "running");
  });

  it("makes downstream tasks ready once their upstream succeeded", () => {
    const decision = decideRun(dag, { a: { state: "success", tryNumber: 1 } }, NOW);
    assert.deepEqual(decision.ready, ["b", "c"]);
  });

  it("propagates upstream_failed down the graph in one decision", () => {
    const decision = decideRun(dag, { a: { state: "failed", tryNumber: 1 } }, NOW);
    assert.deepEqual(
      decision.changes.map((change) => [change.taskId, change.state]),
      [
        ["b", "upstream_failed"],
        ["c", "upstream_failed"],
        ["d", "upstream_failed"],
      ],
    );
    assert.equal(decision.runState, "failed");
  });

  it("judges trigger rules in passes as Airflow's scheduler does: a skip seen before an upstream_failed that arrives in the same decision wins", () => {
    // Airflow 3.1.3's `dags test` ends `target` skipped (the conformance goldens): the pass that
    // sees `skipper` skipped still sees `doomed` unfinished; `doomed` is upstream_failed only after it.
    const passes = compileEngineDag("p", [
      task("root"),
      task("skipper"),
      task("doomed", ["root"]),
      task("target", ["skipper", "doomed"]),
    ]);
    const snapshot: RunSnapshot = {
      root: { state: "failed", tryNumber: 1 },
      skipper: { state: "skipped", tryNumber: 1 },
    };
    const expected = [
      ["doomed", "upstream_failed"],
      ["target", "skipped"],
    ];
    const decision = decideRun(passes, snapshot, NOW);
    assert.deepEqual(
      decision.changes.map((change) => [change.taskId, change.state]),
      expected,
    );
    // The scheduler's turn, which decides only what changed, judges the same way.
    const turn = decideTasks(passes, snapshot, NOW, ["doomed", "target"]);
    assert.deepEqual(
      turn.changes.map((change) => [change.taskId, change.state]),
      expected,
    );
  });

  it("finishes a run as success only if every leaf succeeded or was skipped", () => {
    const done = (state: "success" | "skipped" | "failed"): RunSnapshot => ({
      a: { state: "success", tryNumber: 1 },
      b: { state: "success", tryNumber: 1 },
      c: { state: "success", tryNumber: 1 },
      d: { state, tryNumber: 1 },
    });
    assert.equal(decideRun(dag, done("success"), NOW).runState, "success");
    assert.equal(decideRun(dag, done("skipped"), NOW).runState, "success");
    assert.equal(decideRun(dag, done("failed"), NOW).runState, "failed");
  });

  it("keeps an all_done cleanup running after a failure, and the run's state follows the leaves", () => {
    const withCleanup = compileEngineDag("d", [task("work"), task("cleanup", ["work"], { triggerRule: "all_done" })]);
    const decision = decideRun(withCleanup, { work: { state: "failed", tryNumber: 1 } }, NOW);
    assert.deepEqual(decision.ready, ["cleanup"]);
  });

  it("retries a failed attempt after retryDelay while retries are left", () => {
    const retrying = compileEngineDag("d", [task("a", [], { retries: 2, retryDelayMs: 30_000 })]);
    const first = applyAttemptOutcome(
      retrying,
      { a: { state: "running", tryNumber: 1 } },
      "a",
      { kind: "failed" },
      NOW,
      NOW.toISOString(),
    );
    assert.deepEqual(first, [
      { taskId: "a", state: "up_for_retry", endDate: NOW.toISOString(), nextRetryAt: "2024-01-01T00:00:30.000Z" },
    ]);
    const third = applyAttemptOutcome(
      retrying,
      { a: { state: "running", tryNumber: 3 } },
      "a",
      { kind: "failed" },
      NOW,
      NOW.toISOString(),
    );
    assert.equal(third[0]!.state, "failed");
  });

  it("does not retry an unrecoverable failure", () => {
    const retrying = compileEngineDag("d", [task("a", [], { retries: 5 })]);
    const changes = applyAttemptOutcome(
      retrying,
      { a: { state: "running", tryNumber: 1 } },
      "a",
      { kind: "failed", unrecoverable: true },
      NOW,
      "x",
    );
    assert.equal(changes[0]!.state, "failed");
  });

  it("waits for the retry time and says when to wake up", () => {
    const retrying = compileEngineDag("d", [task("a", [], { retries: 1 })]);
    const snapshot: RunSnapshot = {
      a: { state: "up_for_retry", tryNumber: 1, nextRetryAt: "2024-01-01T00:00:05.000Z" },
    };
    const early = decideRun(retrying, snapshot, NOW);
    assert.deepEqual(early.ready, []);
    assert.equal(early.nextWakeAt, "2024-01-01T00:00:05.000Z");
    assert.deepEqual(decideRun(retrying, snapshot, new Date("2024-01-01T00:00:05Z")).ready, ["a"]);
  });

  it("reports running tasks past their execution timeout", () => {
    const timed = compileEngineDag("d", [task("a", [], { executionTimeoutMs: 10_000 })]);
    const snapshot: RunSnapshot = { a: { state: "running", tryNumber: 1, startDate: "2024-01-01T00:00:00.000Z" } };
    assert.deepEqual(decideRun(timed, snapshot, new Date("2024-01-01T00:00:09Z")).timedOut, []);
    assert.equal(decideRun(timed, snapshot, new Date("2024-01-01T00:00:09Z")).nextWakeAt, "2024-01-01T00:00:10.000Z");
    assert.deepEqual(decideRun(timed, snapshot, new Date("2024-01-01T00:00:10Z")).timedOut, ["a"]);
  });

  it("skips the branches a branching task did not choose, and the skip flows down", () => {
    const branching = compileEngineDag("d", [
      task("branch"),
      task("left", ["branch"]),
      task("right", ["branch"]),
      task("after_right", ["right"]),
      task("join", ["left", "after_right"], { triggerRule: "none_failed_min_one_success" }),
    ]);
    const changes = applyAttemptOutcome(
      branching,
      { branch: { state: "running", tryNumber: 1 } },
      "branch",
      { kind: "success", skipTaskIds: ["right"] },
      NOW,
      "x",
    );
    assert.deepEqual(
      changes.map((change) => [change.taskId, change.state]),
      [
        ["branch", "success"],
        ["right", "skipped"],
      ],
    );
    const decision = decideRun(
      branching,
      { branch: { state: "success", tryNumber: 1 }, right: { state: "skipped", tryNumber: 0 } },
      NOW,
    );
    assert.deepEqual(
      decision.changes.map((change) => [change.taskId, change.state]),
      [["after_right", "skipped"]],
    );
    assert.deepEqual(decision.ready, ["left"]);
  });
});

describe("retry delays", () => {
  const key = { dagId: "d", taskId: "t", logicalDate: "2024-01-01T00:00:00.000Z", tryNumber: 1 };

  it("uses retryDelay as is without exponential backoff", () => {
    assert.equal(retryDelayMs({ retries: 3, retryDelayMs: 5000, retryExponentialBackoff: false }, key), 5000);
  });

  it("doubles the minimum wait per attempt with a deterministic jitter below it", () => {
    const policy = { retries: 5, retryDelayMs: 10_000, retryExponentialBackoff: true };
    for (const tryNumber of [1, 2, 3, 4]) {
      const minimum = 10_000 * 2 ** (tryNumber - 1);
      const delay = retryDelayMs(policy, { ...key, tryNumber });
      assert.ok(
        delay >= minimum && delay < 2 * minimum,
        `try ${tryNumber}: ${delay} not in [${minimum}, ${2 * minimum})`,
      );
      assert.equal(delay, retryDelayMs(policy, { ...key, tryNumber }));
    }
  });

  it("caps the wait at maxRetryDelay", () => {
    const policy = { retries: 9, retryDelayMs: 60_000, retryExponentialBackoff: true, maxRetryDelayMs: 120_000 };
    assert.equal(retryDelayMs(policy, { ...key, tryNumber: 8 }), 120_000);
  });
});
