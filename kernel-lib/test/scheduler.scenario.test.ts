import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { LocalExecutor } from "../src/executor/localExecutor.js";
import { Scheduler } from "../src/scheduler/scheduler.js";
import { MemorySchedulerStore } from "../src/scheduler/memoryStore.js";
import { tempHome } from "./helpers/tempHome.js";
import { FileStore } from "../src/persistence/index.js";
import { runIdFor } from "../src/runtime/runIds.js";
import { testSchedulerSettings } from "./helpers/schedulerSettings.js";

for (const kind of ["memory", "file"] as const)
  describe(`the scheduler with real worker processes (${kind} store)`, () => {
    const home = tempHome();
    const store =
      kind === "memory"
        ? new MemorySchedulerStore()
        : FileStore.open(`${home.home}/store`, { writer: true, home: home.home });
    let scheduler: Scheduler;

    before(async () => {
      home.writeDag(
        "pipeline.ts",
        `import { DAG, BashOperator } from "kitelab";
export const dag = new DAG({ dagId: "pipeline", schedule: null });
const extract = dag.task("extract", async ({ log }) => { log.info("extracting"); console.log("plain console output"); return [1, 2, 3]; });
const transform = dag.task("transform", async ({ ti }) => (ti.xcomPull<number[]>("extract") ?? []).map((n) => n * 10));
const load = new BashOperator({ dag, taskId: "load", bashCommand: "echo loaded {{ ds }}" });
extract.then(transform).then(load);
`,
      );
      home.writeDag(
        "pulls.ts",
        `import { DAG } from "kitelab";
export const dag = new DAG({ dagId: "pulls", schedule: null });
const source = dag.task("source", async () => "from source");
dag.task("other", async () => "from other");
const consumer = dag.task("consumer", async ({ ti }) => [ti.xcomPull("source"), ti.xcomPull("other")]);
source.then(consumer);
`,
      );
      home.writeDag(
        "crashy.ts",
        `import { DAG } from "kitelab";
import { existsSync, writeFileSync } from "node:fs";
export const dag = new DAG({ dagId: "crashy", schedule: null, defaultArgs: { retries: 1, retryDelay: "10ms" } });
dag.task("exit_once", async ({ params }) => {
  const marker = String(params.marker);
  if (!existsSync(marker)) { writeFileSync(marker, "x"); process.exit(3); }
  return "second attempt worked";
});
dag.task("hang", { executionTimeout: "500ms" }, async () => { const end = Date.now() + 60_000; while (Date.now() < end) {} });
`,
      );
      home.writeDag(
        "broken.ts",
        `import { DAG } from "kitelab";\nexport const dag = new DAG({ dagId: "broken", schedule: "0 25 * * *", startDate: "2024-01-01" });\n`,
      );
      const executor = new LocalExecutor({
        parallelism: 2,
        serviceHandler: (...args) => scheduler.serviceHandler(...args),
        cancelGraceMs: 300,
      });
      scheduler = new Scheduler(
        store,
        executor,
        testSchedulerSettings(home.dags, home.logs, { importTimeoutMs: 5_000 }),
      );
      await executor.start();
      await scheduler.start();
    });

    after(async () => {
      await scheduler.stop(1000);
      home.cleanup();
    });

    it("lists the good DAGs and records the broken file as an import error naming the problem", () => {
      assert.deepEqual(
        store
          .dagStatuses()
          .map((status) => status.dagId)
          .sort(),
        ["crashy", "pipeline", "pulls"],
      );
      const problem = store.importErrorList().find((entry) => entry.file.endsWith("broken.ts"));
      assert.ok(problem, "broken.ts has an import error");
      assert.match(problem.message, /hour/);
    });

    it("runs a triggered DAG to success, passing XComs and writing each attempt's log", async () => {
      const run = await scheduler.trigger("pipeline", { logicalDate: new Date("2024-03-01T00:00:00Z") });
      const finished = await scheduler.waitForRun("pipeline", run.runId);
      assert.equal(finished.state, "success");
      const instances = store.taskInstances("pipeline", run.runId);
      assert.deepEqual(instances.map((ti) => [ti.taskId, ti.state, ti.tryNumber]).sort(), [
        ["extract", "success", 1],
        ["load", "success", 1],
        ["transform", "success", 1],
      ]);
      assert.deepEqual(store.xcoms("pipeline", run.runId).find((x) => x.taskId === "transform")?.value, [10, 20, 30]);
      assert.equal(store.xcoms("pipeline", run.runId).find((x) => x.taskId === "load")?.value, "loaded 2024-03-01");
      const extractLog = readFileSync(instances.find((ti) => ti.taskId === "extract")!.logPath!, "utf8");
      assert.match(extractLog, /extracting/);
      assert.match(extractLog, /plain console output/);
      assert.ok(instances.every((ti) => ti.pid && ti.hostname && ti.durationMs !== undefined));
    });

    it("lets a task pull the XCom of its upstream task and of a task of its run that is not upstream, as Airflow does", async () => {
      const run = await scheduler.trigger("pulls");
      assert.equal((await scheduler.waitForRun("pulls", run.runId)).state, "success");
      // 'other' may not have ended when 'consumer' first ran (nothing orders them): run 'consumer' again now that it has.
      assert.equal(await scheduler.clear("pulls", run.runId, ["consumer"]), 1);
      assert.equal((await scheduler.waitForRun("pulls", run.runId)).state, "success");
      const consumer = store.taskInstances("pulls", run.runId).find((ti) => ti.taskId === "consumer")!;
      assert.equal(consumer.tryNumber, 2);
      assert.deepEqual(store.xcoms("pulls", run.runId).find((x) => x.taskId === "consumer")?.value, [
        "from source",
        "from other",
      ]);
    });

    it("two triggers in the same second (or millisecond) are two runs, named as Airflow names them", async () => {
      const [first, second] = await Promise.all([scheduler.trigger("pipeline"), scheduler.trigger("pipeline")]);
      assert.notEqual(first.runId, second.runId);
      for (const run of [first, second])
        assert.match(run.runId, /^manual__\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$/);
      assert.equal(
        runIdFor("manual", new Date("2024-03-01T10:00:05.123Z")),
        "manual__2024-03-01T10:00:05.123000+00:00",
      );
      assert.equal(runIdFor("scheduled", new Date("2024-03-01T00:00:00Z")), "scheduled__2024-03-01T00:00:00+00:00");
      for (const run of [first, second])
        assert.equal((await scheduler.waitForRun("pipeline", run.runId)).state, "success");
    });

    it("keeps a manual run of a paused DAG queued until the DAG is unpaused, as Airflow does", async () => {
      await scheduler.setPaused("pipeline", true);
      const run = await scheduler.trigger("pipeline", { logicalDate: new Date("2024-03-02T00:00:00Z") });
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(store.getRun("pipeline", run.runId)?.state, "queued");
      assert.ok(store.taskInstances("pipeline", run.runId).every((ti) => ti.tryNumber === 0));
      await scheduler.setPaused("pipeline", false);
      assert.equal((await scheduler.waitForRun("pipeline", run.runId)).state, "success");
    });

    it("survives a task that exits its worker and one that hangs past its timeout", async () => {
      const marker = `${home.home}/exit-marker`;
      const run = await scheduler.trigger("crashy", { conf: { marker } });
      const finished = await scheduler.waitForRun("crashy", run.runId);
      assert.ok(existsSync(marker));
      const instances = new Map(store.taskInstances("crashy", run.runId).map((ti) => [ti.taskId, ti]));
      assert.equal(instances.get("exit_once")!.state, "success");
      assert.equal(instances.get("exit_once")!.tryNumber, 2);
      const hang = instances.get("hang")!;
      assert.equal(hang.state, "failed");
      assert.match(hang.error?.message ?? "", /executionTimeout/);
      assert.equal(finished.state, "failed");
      const firstLog = readFileSync(
        `${home.logs}/dag_id=crashy/run_id=${run.runId}/task_id=exit_once/attempt=1.log`,
        "utf8",
      );
      assert.match(firstLog, /exited with code 3/);
    });
  });
