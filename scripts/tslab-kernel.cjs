#!/usr/bin/env node
// The notebook kernel: tslab, taught to honour Jupyter's `stop_on_error: false`.
//
// JupyterLab's Run All sends every cell at once; a cell tagged `raises-exception` arrives with
// `stop_on_error: false`, and nbclient / `jupyter nbconvert --execute` do the same. tslab 1.0.22
// ignores the flag: any failed cell rejects its internal queue, so every cell already sent is
// answered "abort" and shows `[ ]`. Kitelab's notebooks teach mistakes on purpose, so Run All
// would stop at the first lesson. This wrapper replaces one method of tslab's (exported)
// JupyterHandlerImpl before tslab starts; the method body is written as the upstream fix.
// The kernelspec written by scripts/setup.mjs runs this file instead of tslab's own bin.
"use strict";

const TSLAB_VERSION = "1.0.22";

/**
 * Replaces tslab's `JupyterHandlerImpl.handleExecute` (the body is written as the upstream fix):
 * - a cell sent with `stop_on_error: false` that fails answers "error" and leaves the queue
 *   running, so the cells sent after it still run;
 * - a cell sent with `stop_on_error` true or absent that fails cancels the cells queued
 *   behind it, as tslab (and ipykernel) always did;
 * - each cell announces its execution count on iopub (`execute_input`) when it starts, as the
 *   protocol asks, so nbclient and nbconvert record which cells ran.
 * Returns an error message when tslab's shape is not the one this patch was written for.
 */
function patchStopOnError(JupyterHandlerImpl, TaskCanceledError, ZmqServer) {
  const proto = JupyterHandlerImpl?.prototype;
  if (
    !proto ||
    typeof proto.handleExecute !== "function" ||
    typeof proto.handleExecuteImpl !== "function" ||
    typeof TaskCanceledError !== "function"
  ) {
    return "tslab's JupyterHandlerImpl.handleExecute/handleExecuteImpl or TaskCanceledError is missing";
  }
  if (ZmqServer !== undefined && typeof ZmqServer.prototype.handleExecute !== "function") {
    return "tslab's ZmqServer.handleExecute is missing";
  }
  if (proto.handleExecute.kitelabStopOnError) return null;
  async function handleExecute(req, writeStream, writeDisplayData) {
    const stopOnError = req.stop_on_error !== false;
    let failed = false;
    try {
      const count = await this.execQueue.add(async () => {
        if (typeof req.announceExecution === "function") req.announceExecution(this.execCount + 1);
        try {
          return await this.handleExecuteImpl(req, writeStream, writeDisplayData);
        } catch (error) {
          // handleExecuteImpl throws the execution count when the cell failed; resolving
          // instead lets the cells queued behind this one run.
          if (stopOnError || !isExecutionCount(error)) throw error;
          failed = true;
          return error;
        }
      });
      return { status: failed ? "error" : "ok", execution_count: count.count };
    } catch (error) {
      if (error instanceof TaskCanceledError) return { status: "abort", execution_count: undefined };
      if (!isExecutionCount(error)) console.error("unexpected error:", error);
      // tslab's way to drop the requests already waiting in ZMQ: reject new ones for 200 ms.
      this.execQueue.reset(200);
      return { status: "error", execution_count: isExecutionCount(error) ? error.count : undefined };
    }
  }
  handleExecute.kitelabStopOnError = true;
  proto.handleExecute = handleExecute;
  if (ZmqServer !== undefined) {
    const serve = ZmqServer.prototype.handleExecute;
    ZmqServer.prototype.handleExecute = function (sock, msg) {
      const server = this;
      Object.defineProperty(msg.content, "announceExecution", {
        value(count) {
          const input = msg.createReply();
          input.header.msg_type = "execute_input";
          input.content = { code: msg.content.code, execution_count: count };
          input.signAndSend(server.connInfo.key, server.iopub);
        },
      });
      return serve.call(this, sock, msg);
    };
  }
  return null;
}

function isExecutionCount(value) {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof value.count === "number" &&
    value.constructor?.name === "ExecutionCount"
  );
}

function main() {
  const tslabPackage = require("tslab/package.json");
  const { JupyterHandlerImpl, ZmqServer } = require("tslab/dist/jupyter.js");
  const { TaskCanceledError } = require("tslab/dist/util.js");
  const problem = patchStopOnError(JupyterHandlerImpl, TaskCanceledError, ZmqServer);
  if (problem !== null) {
    // Start anyway: a kernel that stops Run All at an error is better than no kernel.
    console.error(
      `[kitelab kernel] could not teach tslab ${tslabPackage.version} to honour stop_on_error (${problem}); ` +
        `this wrapper was written for tslab ${TSLAB_VERSION}. Run All will stop at the first error: update scripts/tslab-kernel.cjs.`,
    );
  }
  require("tslab/dist/main.js").main();
}

module.exports = { patchStopOnError, TSLAB_VERSION };

if (require.main === module) main();
