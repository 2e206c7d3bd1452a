import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as errors from "../src/errors.js";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));

const kinds = Object.entries(errors).filter(
  ([, value]) => typeof value === "function" && value.prototype instanceof Error,
) as Array<[string, new (message: string) => errors.KitelabError]>;

describe("Kitelab's errors are a closed set in errors.ts", () => {
  it("every kind is a KitelabError named as its class, so it is recognised by name across processes", () => {
    assert.ok(kinds.length >= 15, `found ${kinds.length} kinds`);
    for (const [exported, Kind] of kinds) {
      const error = new Kind("message");
      assert.ok(error instanceof errors.KitelabError, `${exported} is a KitelabError`);
      assert.equal(error.name, exported);
    }
  });

  it("kernel-lib/src raises no bare Error: each throw names its kind", () => {
    const bare = (readdirSync(SRC, { recursive: true }) as string[])
      .filter((file) => file.endsWith(".ts"))
      .flatMap((file) =>
        readFileSync(`${SRC}${file}`, "utf8")
          .split("\n")
          .flatMap((line, index) => (/\bnew Error\((?!\))/.test(line) ? [`${file}:${index + 1}`] : [])),
      );
    assert.deepEqual(bare, [], "use a kind from errors.ts (ValidationError, NotFoundError, ConflictError, ...)");
  });

  it("failure records carry the kind's name and no stack", () => {
    assert.deepEqual(errors.errorRecord(errors.WorkerLostError, "gone"), { name: "WorkerLostError", message: "gone" });
  });

  it("a retry cannot fix an unrecoverable, template or XCom-size failure; it can fix the others", () => {
    for (const Kind of [errors.UnrecoverableError, errors.TemplateError, errors.XComTooLargeError])
      assert.equal(errors.isUnrecoverable(errors.errorRecord(Kind, "x")), true, Kind.name);
    for (const Kind of [errors.TaskError, errors.TaskTimeoutError, errors.WorkerDiedError])
      assert.equal(errors.isUnrecoverable(errors.errorRecord(Kind, "x")), false, Kind.name);
  });

  it("tells the caller's refusals (invalid, not found, conflict) from everything else", () => {
    assert.equal(errors.refusalKindOf(new errors.ValidationError("x")), "invalid");
    assert.equal(errors.refusalKindOf(new errors.NotFoundError("x")), "not-found");
    assert.equal(errors.refusalKindOf(new errors.ConflictError("x")), "conflict");
    assert.equal(errors.refusalKindOf(new errors.StoreError("x")), undefined);
    assert.equal(errors.refusalKindOf(new TypeError("x")), undefined);
    assert.equal(errors.refusalKindOf("a string"), undefined);
  });
});

describe("which stack frames are the user's", () => {
  it("Kitelab's own modules, dependencies, Node's internals and the CLI are not", () => {
    const own = fileURLToPath(new URL("../src/scheduler/scheduler.ts", import.meta.url));
    for (const frame of [
      `    at Scheduler.pass (${own}:10:5)`,
      "    at run (/home/s/project/node_modules/kitelab/dist/runtime/attempt.js:1:1)",
      "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
      "    at main (/usr/lib/node_modules/kitelab/bin/kitelab.mjs:3:1)",
    ])
      assert.equal(errors.isLibraryFrame(frame), true, frame);
  });

  it("a DAG file's frame is", () => {
    assert.equal(errors.isLibraryFrame("    at Object.execute (/home/s/dags/etl.ts:12:11)"), false);
  });
});
