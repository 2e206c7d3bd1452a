// Every way a worker process can die ends its task with a recorded failure that says what
// happened, and leaves no process behind: a worker that cannot start (its runtime does not
// load, or node itself refuses to start it), a task that exits its process, a worker killed
// by a signal, a task that ignores being stopped, a task that runs out of memory. Workers
// that keep failing to start stop being restarted, and the executor says why.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { LocalExecutor, type LocalExecutorOptions } from "../src/executor/localExecutor.js";
import { OWNER_ENV } from "../src/executor/attemptProcesses.js";
import { Scheduler } from "../src/scheduler/scheduler.js";
import { MemorySchedulerStore } from "../src/scheduler/memoryStore.js";
import type { TaskInstanceRecord } from "../src/records.js";
import { markedProcesses, pidWrittenTo, processEnded } from "./helpers/markedProcesses.js";
import { tempHome } from "./helpers/tempHome.js";
import { waitFor } from "./helpers/waitFor.js";
import { testSchedulerSettings } from "./helpers/schedulerSettings.js";

type Home = ReturnType<typeof tempHome>;

async function startScheduler(home: Home, options: Partial<LocalExecutorOptions> = {}) {
  const store = new MemorySchedulerStore();
  let scheduler: Scheduler | undefined;
  const executor = new LocalExecutor({
    parallelism: 1,
    serviceHandler: (...args) => scheduler!.serviceHandler(...args),
    processOwner: home.home,
    ...options,
  });
  scheduler = new Scheduler(
    store,
    executor,
    testSchedulerSettings(home.dags, home.logs, { parallelism: 1, catchupByDefault: false, heartbeatMs: 200 }),
  );
  await executor.start();
  await scheduler.start();
  /** Triggers the DAG and answers its only task instance once the run has ended. */
  const runOnce = async (dagId: string): Promise<TaskInstanceRecord> => {
    const run = await scheduler!.trigger(dagId);
    const ended = await scheduler!.waitForRun(dagId, run.runId, { timeoutMs: 60_000 }).catch((error: Error) => {
      throw new Error(`${error.message}; its task instances: ${JSON.stringify(store.taskInstances(dagId, run.runId))}`);
    });
    assert.equal(ended.state, "failed");
    return store.taskInstances(dagId, run.runId)[0]!;
  };
  return { store, scheduler, executor, runOnce };
}

const pidIn = pidWrittenTo;
const gone = processEnded;

/** Nothing the home's workers or their tasks started is alive (zombies aside). */
const nothingLeft = (home: Home) =>
  waitFor(
    "every process of this home's workers to end",
    () => (markedProcesses(OWNER_ENV, home.home).length === 0 ? true : undefined),
    10_000,
  );

/** Runs `body` with NODE_OPTIONS set for the worker processes it starts (each test file is its own process). */
function withNodeOptions(value: string): { restore: () => void } {
  const previous = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = value;
  return {
    restore() {
      if (previous === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = previous;
    },
  };
}

const PLAIN_DAG = (dagId: string) =>
  `import { DAG } from "kitelab";\nexport const dag = new DAG({ dagId: "${dagId}", schedule: null });\ndag.task("work", async () => 1);\n`;

describe("a worker whose runtime cannot load", () => {
  const home = tempHome("kitelab-deaths-init-");
  let running: Awaited<ReturnType<typeof startScheduler>>;
  let nodeOptions: { restore: () => void };

  before(async () => {
    home.writeDag("plain.ts", PLAIN_DAG("plain"));
    // A broken install, made real: Node's own module loader refuses the worker's runtime.
    const hooks = join(home.home, "hooks.mjs");
    writeFileSync(
      hooks,
      `export async function resolve(specifier, context, next) {
  if (specifier.includes("workerRuntime")) throw new Error("simulated broken install: " + specifier + " is missing");
  return next(specifier, context);
}\n`,
    );
    const preload = join(home.home, "preload.mjs");
    writeFileSync(
      preload,
      `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
    );
    nodeOptions = withNodeOptions(`--import ${preload}`);
    running = await startScheduler(home, { warmWorkers: 0, maxStartFailures: 2, restartBackoffMs: 50 });
  });

  after(async () => {
    await running.scheduler.stop(1000);
    nodeOptions.restore();
    home.cleanup();
  });

  it("fails the task with the worker's init-failed reason, then gives up after the limit and says why", async () => {
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      const ti = await running.runOnce("plain");
      assert.equal(ti.state, "failed");
      assert.equal(ti.error?.name, "WorkerDiedError");
      assert.match(
        ti.error?.message ?? "",
        /could not start: a worker process could not load Kitelab's task runtime \(.*simulated broken install.*\); check that kitelab is installed completely/,
      );
    }
    assert.match(
      running.executor.problem ?? "",
      /stopped starting worker processes after 2 in a row failed to start: .*simulated broken install/,
    );
    const afterGivingUp = await running.runOnce("plain");
    assert.match(afterGivingUp.error?.message ?? "", /stopped starting worker processes after 2 in a row/);
    assert.match(readFileSync(afterGivingUp.logPath!, "utf8"), /stopped starting worker processes/);
    assert.equal(running.executor.workerCount, 0, "no worker is started once it gave up");
    // The scheduler's heartbeat carries it to /health.
    const beat = await waitFor(
      "a heartbeat naming the problem",
      () => running.store.latestHeartbeat()?.executorProblem,
    );
    assert.equal(beat, running.executor.problem);
    await nothingLeft(home);
  });
});

describe("a worker that node itself cannot start", () => {
  it("fails the task with what the process wrote to stderr, and restarts with backoff", async () => {
    const home = tempHome("kitelab-deaths-node-");
    home.writeDag("plain.ts", PLAIN_DAG("plain"));
    const running = await startScheduler(home, { warmWorkers: 0, maxStartFailures: 3, restartBackoffMs: 50 });
    // Set once the DAGs are parsed: the DAG processor's own child would not start either.
    const nodeOptions = withNodeOptions(`--import ${join(home.home, "no-such-preload.mjs")}`);
    try {
      const ti = await running.runOnce("plain");
      assert.equal(ti.error?.name, "WorkerDiedError");
      assert.match(
        ti.error?.message ?? "",
        /a worker process exited with code \d+ before it was ready \(its stderr: .*no-such-preload\.mjs/,
      );
      assert.equal(running.executor.problem, undefined, "one failure is not yet a reason to give up");
    } finally {
      await running.scheduler.stop(1000);
      nodeOptions.restore();
      await nothingLeft(home);
      home.cleanup();
    }
  });
});

describe("a worker that dies while it runs a task", () => {
  const home = tempHome("kitelab-deaths-task-");
  let running: Awaited<ReturnType<typeof startScheduler>>;
  const pidFile = (name: string) => join(home.home, `${name}.pid`);

  before(async () => {
    home.writeDag(
      "deaths.ts",
      `import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { DAG } from "kitelab";
/** A child in the worker's process group that ignores SIGTERM: only SIGKILL of the group ends it. */
function stubbornChild(name: string): void {
  spawn("bash", ["-c", "trap '' TERM; echo $$ > " + JSON.stringify(${JSON.stringify(home.home)} + "/" + name + ".pid") + "; sleep 60"], { stdio: "ignore" });
}
export const exits = new DAG({ dagId: "exits", schedule: null });
exits.task("work", async () => {
  stubbornChild("exits-child");
  await new Promise((resolve) => setTimeout(resolve, 300));
  process.exit(3);
});
export const killed = new DAG({ dagId: "killed", schedule: null });
killed.task("work", async () => {
  writeFileSync(${JSON.stringify(join(home.home, "killed-worker.pid"))}, String(process.pid));
  await new Promise(() => {});
});
export const hangs = new DAG({ dagId: "hangs", schedule: null });
hangs.task("work", async () => {
  stubbornChild("hangs-child");
  writeFileSync(${JSON.stringify(join(home.home, "hangs-worker.pid"))}, String(process.pid));
  // Busy: neither the cancel nor a SIGTERM handler can run.
  for (;;) {}
});
export const oom = new DAG({ dagId: "oom", schedule: null });
oom.task("work", async () => {
  const kept: number[][] = [];
  for (;;) kept.push(new Array(1_000_000).fill(1.5));
});
export const fine = new DAG({ dagId: "fine", schedule: null });
fine.task("work", async () => "fine");
`,
    );
    running = await startScheduler(home, { cancelGraceMs: 300, stopGraceMs: 300, workerMaxOldSpaceMb: 128 });
  });

  after(async () => {
    await running.scheduler.stop(1000);
    await nothingLeft(home);
    home.cleanup();
  });

  it("a task that exits its process fails with the exit code, and its children die with it", async () => {
    const ti = await running.runOnce("exits");
    assert.equal(ti.error?.name, "WorkerDiedError");
    assert.match(ti.error?.message ?? "", /the worker process running this task exited with code 3/);
    await gone(await pidIn(pidFile("exits-child")));
  });

  it("a worker killed by a signal fails its task naming the signal", async () => {
    const run = await running.scheduler.trigger("killed");
    const worker = await pidIn(join(home.home, "killed-worker.pid"));
    process.kill(worker, "SIGKILL");
    assert.equal((await running.scheduler.waitForRun("killed", run.runId, { timeoutMs: 60_000 })).state, "failed");
    const ti = running.store.taskInstances("killed", run.runId)[0]!;
    assert.equal(ti.error?.name, "WorkerDiedError");
    assert.match(ti.error?.message ?? "", /was killed by SIGKILL/);
    await gone(worker);
  });

  it("a task that does not stop when cancelled is stopped with SIGTERM then SIGKILL, with all its group", async () => {
    const run = await running.scheduler.trigger("hangs");
    // Written just before the task busies its thread: from here on nothing in the worker can answer.
    const worker = await pidIn(join(home.home, "hangs-worker.pid"));
    running.executor.cancel(
      { dagId: "hangs", runId: run.runId, taskId: "work", tryNumber: 1 },
      "asked to stop by the test",
    );
    assert.equal((await running.scheduler.waitForRun("hangs", run.runId, { timeoutMs: 60_000 })).state, "failed");
    const ti = running.store.taskInstances("hangs", run.runId)[0]!;
    assert.equal(ti.error?.message, "asked to stop by the test (the worker was killed by SIGKILL)");
    assert.match(readFileSync(ti.logPath!, "utf8"), /was stopped \(SIGTERM, then SIGKILL after 300 ms\)/);
    await gone(worker);
    await gone(await pidIn(pidFile("hangs-child")));
  });

  it("a task that runs out of memory fails alone, and the next task runs in a fresh worker", async () => {
    const ti = await running.runOnce("oom");
    assert.equal(ti.error?.name, "WorkerDiedError");
    assert.match(
      ti.error?.message ?? "",
      /the worker process running this task (was killed by SIGABRT|exited with code 134)/,
    );
    const run = await running.scheduler.trigger("fine");
    assert.equal((await running.scheduler.waitForRun("fine", run.runId, { timeoutMs: 60_000 })).state, "success");
    assert.equal(running.executor.problem, undefined);
  });
});

describe("stopping the executor while a task hangs", () => {
  it("ends the worker's whole process group, even a child that ignores SIGTERM", async () => {
    const home = tempHome("kitelab-deaths-stop-");
    home.writeDag(
      "busy.ts",
      `import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { DAG } from "kitelab";
export const dag = new DAG({ dagId: "busy", schedule: null });
dag.task("work", async () => {
  spawn("bash", ["-c", "trap '' TERM; echo $$ > ${join(home.home, "child.pid")}; sleep 60"], { stdio: "ignore" });
  await new Promise((resolve) => setTimeout(resolve, 200));
  writeFileSync(${JSON.stringify(join(home.home, "worker.pid"))}, String(process.pid));
  for (;;) {}
});
`,
    );
    const running = await startScheduler(home, { stopGraceMs: 300 });
    let stopped = false;
    try {
      await running.scheduler.trigger("busy");
      const worker = await pidIn(join(home.home, "worker.pid"));
      const child = await pidIn(join(home.home, "child.pid"));
      stopped = true;
      await running.scheduler.stop(200);
      await gone(worker);
      await gone(child);
      await nothingLeft(home);
    } finally {
      if (!stopped) await running.scheduler.stop(200);
      home.cleanup();
    }
  });
});
