/**
 * The entry point of a worker process. It loads the worker's runtime (workerRuntime.ts: the
 * task runtime, the DAG importer, the TypeScript loader's first use) and only then says it is
 * ready. A worker whose runtime cannot load (a broken install, a NODE_OPTIONS preload that
 * fails) says why with `init-failed` and exits, so the executor can fail the task with that
 * reason and stop starting workers that cannot work, instead of restarting them forever.
 */
import type { WorkerToParent } from "./protocol.js";

function reasonOf(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n")[0]!;
  return String(error);
}

try {
  const { serveParent } = await import("./workerRuntime.js");
  serveParent();
} catch (error) {
  const message: WorkerToParent = {
    type: "init-failed",
    pid: process.pid,
    reason: `a worker process could not load Kitelab's task runtime (${reasonOf(error)}); check that kitelab is installed completely (npm install) and that NODE_OPTIONS preloads nothing broken, then restart the scheduler`,
  };
  if (process.send) process.send(message, () => process.exit(1));
  else process.exit(1);
}
