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

  it("are only its ancestors' once the run holds more than the limit of others, which it is told of", () => {
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

  it("include the tasks further up a long chain, such as its first task, however many XComs the run holds", () => {
    const chain = Array.from({ length: OTHER_XCOMS_SENT_LIMIT * 2 }, (_, index) => `c${index}`);
    const engine = compileEngineDag("d", [
      task("side"),
      ...chain.map((id, index) => task(id, index === 0 ? [] : [chain[index - 1]!])),
      ...Array.from({ length: OTHER_XCOMS_SENT_LIMIT + 1 }, (_, index) => task(`other${index}`, ["side"])),
    ]);
    const others = Array.from({ length: OTHER_XCOMS_SENT_LIMIT + 1 }, (_, index) => xcom(`other${index}`));
    const sent = xcomsForAttempt(
      engine,
      chain.at(-1)!,
      indexRunXComs([...chain.slice(0, -1).map((id) => xcom(id)), ...others]),
    );
    assert.equal(sent.xcoms.length, chain.length - 1);
    assert.ok(
      sent.xcoms.some((x) => x.taskId === "c0"),
      "the chain's first task is an ancestor",
    );
    assert.equal(sent.omitted, OTHER_XCOMS_SENT_LIMIT + 1);
  });
});
