import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compileEngineDag, type EngineTask } from "../src/engine/runEngine.js";
import type { XComRecord } from "../src/records.js";
import { indexRunXComs, OTHER_XCOMS_SENT_LIMIT, xcomsForAttempt } from "../src/scheduler/attemptXComs.js";

const task = (taskId: string, upstreamIds: string[] = []): EngineTask => ({
  taskId,
  upstreamIds,
  triggerRule: "all_success",
  retries: 0,
  retryDelayMs: 0,
  retryExponentialBackoff: false,
});
const xcom = (taskId: string, key = "return_value"): XComRecord => ({
  dagId: "d",
  runId: "r",
  taskId,
  key,
  value: taskId,
});

describe("the XComs an attempt is sent", () => {
  it("are all of the run's while few other tasks pushed any, so a task can pull from a task that is not upstream", () => {
    const engine = compileEngineDag("d", [task("root"), task("side"), task("leaf", ["root"])]);
    const sent = xcomsForAttempt(engine, "leaf", indexRunXComs([xcom("root"), xcom("root", "rows"), xcom("side")]));
    assert.deepEqual(
      sent.xcoms.map((x) => `${x.taskId}.${x.key}`),
      ["root.return_value", "root.rows", "side.return_value"],
    );
    assert.equal(sent.omitted, 0);
  });

  it("are only its upstream tasks' once the run holds more than the limit of others, which it is told of", () => {
    const siblings = Array.from({ length: OTHER_XCOMS_SENT_LIMIT + 2 }, (_, index) => `t${index}`);
    const engine = compileEngineDag("d", [
      task("root"),
      ...siblings.map((id) => task(id, ["root"])),
      task("last", ["root", "t0"]),
    ]);
    const sent = xcomsForAttempt(engine, "last", indexRunXComs([xcom("root"), ...siblings.map((id) => xcom(id))]));
    assert.deepEqual(
      sent.xcoms.map((x) => x.taskId),
      ["root", "t0"],
    );
    assert.equal(sent.omitted, OTHER_XCOMS_SENT_LIMIT + 1);
  });
});
