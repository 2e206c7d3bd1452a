// A warm worker keeps the DAG files it imported, keyed on a version that covers the file and
// the local modules it imports (`./lib/train.ts`, and what that imports): an edited helper
// is imported afresh on the next run, an unchanged one is not imported again.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LocalExecutor } from "../src/executor/localExecutor.js";
import { dagFileVersion, localModuleFiles } from "../src/dagbag/localModules.js";
import { Scheduler } from "../src/scheduler/scheduler.js";
import { MemorySchedulerStore } from "../src/scheduler/memoryStore.js";
import { tempHome } from "./helpers/tempHome.js";
import { testSchedulerSettings } from "./helpers/schedulerSettings.js";
import { waitFor } from "./helpers/waitFor.js";

describe("a warm worker's cache of imported DAG files", () => {
  const home = tempHome("kitelab-dagcache-");
  const store = new MemorySchedulerStore();
  let scheduler: Scheduler;
  let dagFile: string;
  const lib = join(home.dags, "lib");

  /** Writes a helper and moves its modification time on, so no file system's time resolution can hide the edit. */
  let tick = Date.now() / 1000;
  function writeHelper(name: string, source: string): void {
    const path = join(lib, name);
    writeFileSync(path, source);
    tick += 10;
    utimesSync(path, tick, tick);
  }

  before(async () => {
    mkdirSync(lib, { recursive: true });
    writeHelper("suffix.ts", `export const SUFFIX = "a";\n`);
    writeHelper(
      "train.ts",
      `import { SUFFIX } from "./suffix.js";
const counter = globalThis as { trainLoads?: number };
counter.trainLoads = (counter.trainLoads ?? 0) + 1;
export function train(): string {
  return "v1-" + SUFFIX;
}\n`,
    );
    dagFile = home.writeDag(
      "model.ts",
      `import { DAG } from "kitelab";
import { train } from "./lib/train.ts";
export const dag = new DAG({ dagId: "model", schedule: null });
dag.task("fit", async () => ({
  model: train(),
  loads: (globalThis as { trainLoads?: number }).trainLoads,
  pid: process.pid,
}));
`,
    );
    const executor = new LocalExecutor({
      parallelism: 1,
      maxWorkers: 1,
      warmWorkers: 1,
      serviceHandler: (...args) => scheduler.serviceHandler(...args),
      processOwner: home.home,
    });
    scheduler = new Scheduler(
      store,
      executor,
      testSchedulerSettings(home.dags, home.logs, { catchupByDefault: false }),
    );
    await executor.start();
    await scheduler.start();
    // start() waits only so long for files still importing: wait for this one.
    await waitFor("the DAG file to be imported", () => {
      const errors = store.importErrorList();
      if (errors.length > 0) throw new Error(`import errors: ${JSON.stringify(errors)}`);
      return store.getDag("model");
    });
  });

  after(async () => {
    await scheduler.stop(1000);
    home.cleanup();
  });

  async function fit(): Promise<{ model: string; loads: number; pid: number }> {
    const run = await scheduler.trigger("model");
    assert.equal((await scheduler.waitForRun("model", run.runId, { timeoutMs: 60_000 })).state, "success");
    const xcom = store
      .xcoms("model", run.runId)
      .find((entry) => entry.taskId === "fit" && entry.key === "return_value");
    return xcom!.value as { model: string; loads: number; pid: number };
  }

  it("lists the DAG file's local modules, transitively, and versions them", () => {
    assert.deepEqual(localModuleFiles(dagFile).sort(), [dagFile, join(lib, "suffix.ts"), join(lib, "train.ts")].sort());
    const before = dagFileVersion(dagFile);
    writeHelper("suffix.ts", `export const SUFFIX = "a";\n`);
    assert.notEqual(dagFileVersion(dagFile), before, "touching a helper two imports deep changes the version");
  });

  it("runs an unchanged DAG from the cache, and an edited helper's new code on the next run", async () => {
    const first = await fit();
    assert.equal(first.model, "v1-a");
    const again = await fit();
    assert.deepEqual(again, first, "same worker, helper not imported again");

    writeHelper(
      "train.ts",
      `import { SUFFIX } from "./suffix.js";
const counter = globalThis as { trainLoads?: number };
counter.trainLoads = (counter.trainLoads ?? 0) + 1;
export function train(): string {
  return "v2-" + SUFFIX;
}\n`,
    );
    const edited = await fit();
    assert.equal(edited.pid, first.pid, "the same warm worker ran it");
    assert.equal(edited.model, "v2-a");
    assert.equal(edited.loads, first.loads + 1);

    writeHelper("suffix.ts", `export const SUFFIX = "b";\n`);
    const deeper = await fit();
    assert.equal(deeper.pid, first.pid);
    assert.equal(deeper.model, "v2-b", "a helper of the helper is imported afresh too");
  });
});
