// The notebook's client over a real `kitelab standalone`: SchedulerApi makes the HTTP calls
// (typed records, refusals as ApiError with the HTTP status), SchedulerClient checks, waits
// and shows; both reach the same scheduler a student's notebook does.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectScheduler, type SchedulerClient } from "../src/notebook/index.js";
import { SchedulerApi } from "../src/notebook/schedulerApi.js";
import { ApiError } from "../src/errors.js";
import { startStandaloneProcess, type StandaloneProcess } from "./helpers/standaloneProcess.js";
import { tempHome } from "./helpers/tempHome.js";

describe("the notebook client of a running scheduler", () => {
  const home = tempHome("kitelab-nbclient-");
  let standalone: StandaloneProcess;
  let kitelab: SchedulerClient;

  before(async () => {
    mkdirSync(home.dags, { recursive: true });
    writeFileSync(
      join(home.dags, "hello.ts"),
      `import { DAG } from "kitelab";
export const dag = new DAG({ dagId: "hello", schedule: null });
const greet = dag.task("greet", async (context) => { context.log.info("hello from the task"); return 1; });
greet.then(dag.task("after", async () => 2));
`,
    );
    standalone = await startStandaloneProcess(home.home, { KITELAB__CORE__DAGS_FOLDER: home.dags });
    kitelab = await connectScheduler({ home: home.home, quiet: true, pollMs: 100 });
  });

  after(async () => {
    await standalone?.stop();
    home.cleanup();
  });

  it("the API module answers typed records, and a DAG it does not list as undefined (a 404, not a message match)", async () => {
    const api = new SchedulerApi({ home: home.home });
    await kitelab.waitForDag("hello", { timeoutMs: 60_000 });
    assert.equal((await api.dag("hello"))?.dagId, "hello");
    assert.equal(await api.dag("no_such_dag"), undefined);
    await assert.rejects(api.request("GET", "/dags/no_such_dag"), (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.status, 404);
      return true;
    });
    assert.deepEqual(
      (await api.tasks("hello")).map((task) => [task.task_id, task.downstream_task_ids]),
      [
        ["after", []],
        ["greet", ["after"]],
      ],
    );
  });

  it("the client triggers, waits and reads the run's tasks and a task's log through it", async () => {
    const run = await kitelab.trigger("hello", { conf: { who: "test" } });
    const done = await kitelab.waitForRun("hello", run.runId, { timeoutMs: 60_000 });
    assert.equal(done.state, "success");
    const instances = await kitelab.taskInstances("hello", run.runId);
    assert.deepEqual(instances.map((ti) => [ti.taskId, ti.state]).sort(), [
      ["after", "success"],
      ["greet", "success"],
    ]);
    assert.match((await kitelab.log("hello", run.runId, "greet")).content, /hello from the task/);
    assert.equal((await kitelab.runs("hello")).length, 1);
    const graph = await kitelab.graph("hello", run.runId);
    assert.deepEqual(graph.tasks.find((task) => task.taskId === "after")?.upstreamIds, ["greet"]);
    assert.equal((await kitelab.health()).scheduler, "healthy");
  });
});
