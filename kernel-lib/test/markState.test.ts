import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { patchesForRunState, patchesForTaskState } from "../src/engine/markState.js";
import type { TaskInstanceRecord } from "../src/records.js";
import type { TaskInstanceState } from "../src/states.js";

const NOW = new Date("2024-03-01T12:00:00Z");

function instances(states: Record<string, TaskInstanceState>): TaskInstanceRecord[] {
  return Object.entries(states).map(([taskId, state]) => ({
    dagId: "d",
    runId: "r",
    taskId,
    state,
    tryNumber: 1,
    maxTries: 1,
  }));
}

const RUN = instances({
  done: "success",
  broke: "failed",
  going: "running",
  waiting: "queued",
  later: "none",
  retrying: "up_for_retry",
  skipped: "skipped",
});

describe("marking a DAG run, as Airflow's set_dag_run_state_to_*", () => {
  it("success marks every task instance not already successful as success", () => {
    const patches = patchesForRunState(RUN, "success", NOW);
    assert.deepEqual(
      patches.map((patch) => [patch.taskId, patch.state]),
      [
        ["broke", "success"],
        ["going", "success"],
        ["waiting", "success"],
        ["later", "success"],
        ["retrying", "success"],
        ["skipped", "success"],
      ],
    );
    assert.ok(patches.every((patch) => patch.endDate === NOW.toISOString()));
  });

  it("failed fails what is queued or running and skips what has not finished; finished ones stay", () => {
    assert.deepEqual(
      patchesForRunState(RUN, "failed", NOW).map((patch) => [patch.taskId, patch.state]),
      [
        ["going", "failed"],
        ["waiting", "failed"],
        ["later", "skipped"],
        ["retrying", "skipped"],
      ],
    );
  });

  it("queued changes no task instance (the scheduler takes the run up again)", () => {
    assert.deepEqual(patchesForRunState(RUN, "queued", NOW), []);
  });
});

describe("marking task instances", () => {
  it("sets exactly the named ones that are not already in that state", () => {
    assert.deepEqual(
      patchesForTaskState(RUN, new Set(["done", "broke", "nope"]), "success", NOW).map((patch) => [
        patch.taskId,
        patch.state,
      ]),
      [["broke", "success"]],
    );
    assert.deepEqual(
      patchesForTaskState(RUN, new Set(["going"]), "skipped", NOW).map((patch) => [patch.taskId, patch.state]),
      [["going", "skipped"]],
    );
  });
});
