// The notebook kernel (scripts/tslab-kernel.cjs) honours Jupyter's `stop_on_error`: cells sent
// back to back, as JupyterLab's Run All sends them, go past a failed cell that said
// `stop_on_error: false` (tagged `raises-exception`) and stop after one that did not.
// Driven on the installed tslab's own request handler; the notebooks.*.test.ts files cover the real kernel.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import path from "node:path";
import { repoRoot } from "./notebooks/runNotebook.js";

const require = createRequire(path.join(repoRoot, "scripts", "tslab-kernel.cjs"));
const { patchStopOnError } = require("./tslab-kernel.cjs") as {
  patchStopOnError: (handler: unknown, canceled: unknown) => string | null;
};
const { JupyterHandlerImpl } = require("tslab/dist/jupyter.js") as {
  JupyterHandlerImpl: new (executor: unknown, isJs: boolean) => Handler;
};
const { TaskCanceledError } = require("tslab/dist/util.js") as { TaskCanceledError: unknown };

interface Handler {
  handleExecute(
    req: { code: string; stop_on_error?: boolean },
    writeStream: () => void,
    writeDisplay: () => void,
  ): Promise<{ status: string }>;
}

/** Every cell whose code is "fail" fails; the others succeed. Records what really ran. */
function handlerRunning(ran: string[]): Handler {
  const executor = {
    execute: async (code: string) => {
      ran.push(code);
      await new Promise((resolve) => setImmediate(resolve));
      return !code.startsWith("fail");
    },
  };
  return new JupyterHandlerImpl(executor, false);
}

/** Sends every cell at once, like Run All, and returns each reply's status. */
async function runAll(handler: Handler, cells: { code: string; stop_on_error: boolean }[]): Promise<string[]> {
  const replies = cells.map((cell) =>
    handler.handleExecute(
      cell,
      () => {},
      () => {},
    ),
  );
  return (await Promise.all(replies)).map((reply) => reply.status);
}

assert.equal(
  patchStopOnError(JupyterHandlerImpl, TaskCanceledError),
  null,
  "the wrapper no longer fits the installed tslab",
);

test("a failed cell sent with stop_on_error: false does not stop the cells queued after it", async () => {
  const ran: string[] = [];
  const statuses = await runAll(handlerRunning(ran), [
    { code: "one", stop_on_error: true },
    { code: "fail (a cycle, on purpose)", stop_on_error: false },
    { code: "three", stop_on_error: true },
    { code: "fail again, on purpose", stop_on_error: false },
    { code: "five", stop_on_error: true },
  ]);
  assert.deepEqual(statuses, ["ok", "error", "ok", "error", "ok"]);
  assert.deepEqual(ran, ["one", "fail (a cycle, on purpose)", "three", "fail again, on purpose", "five"]);
});

test("a failed cell sent with stop_on_error: true still aborts the cells queued after it, as in ipykernel", async () => {
  const ran: string[] = [];
  const statuses = await runAll(handlerRunning(ran), [
    { code: "one", stop_on_error: true },
    { code: "fail by mistake", stop_on_error: true },
    { code: "three", stop_on_error: false },
    { code: "four", stop_on_error: true },
  ]);
  assert.deepEqual(statuses, ["ok", "error", "abort", "abort"]);
  assert.deepEqual(ran, ["one", "fail by mistake"]);
});

test("patching twice changes nothing", () => {
  const before = (JupyterHandlerImpl.prototype as Handler).handleExecute;
  assert.equal(patchStopOnError(JupyterHandlerImpl, TaskCanceledError), null);
  assert.equal((JupyterHandlerImpl.prototype as Handler).handleExecute, before);
});
