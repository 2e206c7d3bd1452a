// An attempt owns what it starts and always ends with an outcome: its processes die with
// it, a value that cannot cross the process boundary becomes a failure, a late throw is
// blamed on the task that threw, and a worker that cannot even open the log reports why.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LocalExecutor } from "../src/executor/localExecutor.js";
import { OWNER_ENV } from "../src/executor/attemptProcesses.js";
import { Scheduler, type SchedulerSettings } from "../src/scheduler/scheduler.js";
import { MemorySchedulerStore } from "../src/scheduler/memoryStore.js";
import { isProcessAlive } from "../src/util/processes.js";
import { tempHome } from "./helpers/tempHome.js";
import { pidWrittenTo, processEnded } from "./helpers/markedProcesses.js";
import { waitFor } from "./helpers/waitFor.js";
import { testSchedulerSettings } from "./helpers/schedulerSettings.js";

function settings(home: ReturnType<typeof tempHome>, baseLogFolder = home.logs): SchedulerSettings {
  return testSchedulerSettings(home.dags, baseLogFolder, { parallelism: 1, catchupByDefault: false });
}

async function startScheduler(
  home: ReturnType<typeof tempHome>,
  options: { baseLogFolder?: string; processOwner?: string } = {},
) {
  const store = new MemorySchedulerStore();
  let scheduler: Scheduler | undefined;
  const executor = new LocalExecutor({
    parallelism: 1,
    serviceHandler: (...args) => scheduler!.serviceHandler(...args),
    cancelGraceMs: 2000,
    processOwner: options.processOwner,
  });
  scheduler = new Scheduler(store, executor, settings(home, options.baseLogFolder));
  await executor.start();
  await scheduler.start();
  return { store, scheduler };
}

const pidIn = pidWrittenTo;
const gone = processEnded;

describe("processes started by an attempt", () => {
  const home = tempHome();
  let running: Awaited<ReturnType<typeof startScheduler>>;

  before(async () => {
    home.writeDag(
      "children.ts",
      `import { spawn } from "node:child_process";
import { DAG } from "kitelab";
export const dag = new DAG({ dagId: "children", schedule: null });
dag.task("stubborn", { executionTimeout: 800 }, async () => {
  // A child that ignores SIGTERM, in the worker's own process group.
  spawn("bash", ["-c", "trap '' TERM; echo $$ > ${join(home.home, "stubborn.pid")}; sleep 60"], { stdio: "ignore" });
  await new Promise(() => {});
});
export const left = new DAG({ dagId: "left_behind", schedule: null });
left.task("daemon", async () => {
  // A child in a session of its own, still running when the task returns.
  spawn("setsid", ["bash", "-c", "echo $$ > ${join(home.home, "daemon.pid")}; sleep 60"], { stdio: "ignore", detached: true }).unref();
  await new Promise((resolve) => setTimeout(resolve, 300));
});
`,
    );
    running = await startScheduler(home);
  });

  after(async () => {
    await running.scheduler.stop(1000);
    home.cleanup();
  });

  it("kills a timed-out task's children, even one that ignores SIGTERM", async () => {
    const run = await running.scheduler.trigger("children");
    const pid = await pidIn(join(home.home, "stubborn.pid"));
    assert.equal((await running.scheduler.waitForRun("children", run.runId)).state, "failed");
    await gone(pid);
  });

  it("ends what a task left running when it returned", async () => {
    const run = await running.scheduler.trigger("left_behind");
    assert.equal((await running.scheduler.waitForRun("left_behind", run.runId)).state, "success");
    await gone(await pidIn(join(home.home, "daemon.pid")));
  });
});

describe("a crashed scheduler's orphans", () => {
  it("are killed when the next executor of the same home starts, before any task runs", async () => {
    const home = tempHome();
    const orphan = spawn("bash", ["-c", "sleep 60"], {
      env: { ...process.env, [OWNER_ENV]: home.home },
      detached: true,
      stdio: "ignore",
    });
    const stranger = spawn("bash", ["-c", "sleep 60"], {
      env: { ...process.env, [OWNER_ENV]: `${home.home}-other` },
      detached: true,
      stdio: "ignore",
    });
    orphan.unref();
    try {
      await waitFor("the orphan to start", () => (isProcessAlive(orphan.pid!) ? true : undefined));
      const executor = new LocalExecutor({
        parallelism: 1,
        serviceHandler: async () => assert.fail("this test makes no service calls"),
        processOwner: home.home,
      });
      await executor.start();
      try {
        assert.equal(
          isProcessAlive(orphan.pid!) && readFileSync(`/proc/${orphan.pid}/stat`, "utf8").split(" ")[2] !== "Z",
          false,
          "the orphan is killed before start() resolves",
        );
        assert.equal(isProcessAlive(stranger.pid!), true, "another home's processes are left alone");
      } finally {
        await executor.stop(500);
      }
    } finally {
      stranger.kill("SIGKILL");
      orphan.kill("SIGKILL");
      home.cleanup();
    }
  });
});

describe("every attempt ends with a recorded outcome", () => {
  const home = tempHome();
  let running: Awaited<ReturnType<typeof startScheduler>>;

  before(async () => {
    home.writeDag(
      "faults.ts",
      `import { DAG } from "kitelab";
export const bigint = new DAG({ dagId: "bigint_error", schedule: null });
bigint.task("throws", async () => {
  const error = new Error("x");
  (error as unknown as { message: unknown }).message = 10n;
  throw error;
});
export const late = new DAG({ dagId: "late_throw", schedule: null });
const thrower = late.task("thrower", async () => {
  setTimeout(() => { throw "thrown after returning"; }, 200);
  return "done";
});
thrower.then(late.task("innocent", async () => { await new Promise((resolve) => setTimeout(resolve, 800)); return "fine"; }));
`,
    );
    running = await startScheduler(home);
  });

  after(async () => {
    await running.scheduler.stop(1000);
    home.cleanup();
  });

  it("records an error whose message is a BigInt as a failure instead of leaving the task running", async () => {
    const run = await running.scheduler.trigger("bigint_error");
    assert.equal((await running.scheduler.waitForRun("bigint_error", run.runId)).state, "failed");
    const ti = running.store.taskInstances("bigint_error", run.runId)[0]!;
    assert.equal(ti.state, "failed");
    assert.equal(ti.error?.message, "10");
  });

  it("blames a late throw on the task that threw, not on the next task in its worker", async () => {
    const run = await running.scheduler.trigger("late_throw");
    assert.equal((await running.scheduler.waitForRun("late_throw", run.runId)).state, "success");
    const byTask = Object.fromEntries(
      running.store.taskInstances("late_throw", run.runId).map((ti) => [ti.taskId, ti]),
    );
    assert.equal(byTask.innocent!.state, "success");
    assert.match(
      readFileSync(byTask.thrower!.logPath!, "utf8"),
      /Uncaught exception in task code: thrown after returning \(after this attempt had ended/,
    );
    assert.doesNotMatch(readFileSync(byTask.innocent!.logPath!, "utf8"), /thrown after returning/);
  });
});

describe("a worker that cannot open the attempt's log", () => {
  it("records the reason as the attempt's failure and keeps serving", async () => {
    const home = tempHome();
    const blocker = join(home.home, "not-a-folder");
    writeFileSync(blocker, "a file where the log folder should be");
    home.writeDag(
      "plain.ts",
      `import { DAG } from "kitelab";\nexport const dag = new DAG({ dagId: "plain", schedule: null });\ndag.task("t", async () => 1);\n`,
    );
    const running = await startScheduler(home, { baseLogFolder: join(blocker, "logs") });
    try {
      for (let round = 0; round < 2; round += 1) {
        const run = await running.scheduler.trigger("plain");
        assert.equal((await running.scheduler.waitForRun("plain", run.runId)).state, "failed");
        assert.match(running.store.taskInstances("plain", run.runId)[0]!.error?.message ?? "", /ENOTDIR/);
      }
    } finally {
      await running.scheduler.stop(1000);
      home.cleanup();
    }
  });
});
