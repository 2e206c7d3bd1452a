// A task in a worker process asks the scheduler for a service (trigger a DAG and wait for it,
// send mail) over the worker protocol; each request carries its own method's arguments, and
// the answer, or the scheduler's refusal with its error kind, comes back to the task.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { OutgoingEmail } from "../src/dag/context.js";
import { LocalExecutor } from "../src/executor/localExecutor.js";
import { Scheduler } from "../src/scheduler/scheduler.js";
import { MemorySchedulerStore } from "../src/scheduler/memoryStore.js";
import { tempHome } from "./helpers/tempHome.js";
import { testSchedulerSettings } from "./helpers/schedulerSettings.js";

describe("service requests from a task in a worker process", () => {
  const home = tempHome("kitelab-services-");
  const store = new MemorySchedulerStore();
  const mails: OutgoingEmail[] = [];
  let scheduler: Scheduler;

  before(async () => {
    home.writeDag(
      "services.ts",
      `import { DAG, EmailOperator, TriggerDagRunOperator } from "kitelab";
export const target = new DAG({ dagId: "target", schedule: null });
target.task("echo", async (context) => context.dagRun.conf);
export const caller = new DAG({ dagId: "caller", schedule: null });
caller.add(new TriggerDagRunOperator({
  taskId: "trigger",
  triggerDagId: "target",
  conf: { answer: 42 },
  logicalDate: "2030-01-02T03:04:05Z",
  waitForCompletion: true,
  pokeInterval: 0.05,
}));
caller.add(new EmailOperator({ taskId: "mail", to: "ops@example.com", subject: "done", htmlContent: "<p>done</p>" }));
export const wrong = new DAG({ dagId: "wrong", schedule: null });
wrong.add(new TriggerDagRunOperator({ taskId: "trigger", triggerDagId: "no_such_dag" }));
`,
    );
    const executor = new LocalExecutor({
      parallelism: 2,
      serviceHandler: (...args) => scheduler.serviceHandler(...args),
      processOwner: home.home,
    });
    scheduler = new Scheduler(
      store,
      executor,
      testSchedulerSettings(home.dags, home.logs, { catchupByDefault: false }),
    );
    scheduler.useMailer(async (message) => {
      mails.push(message);
      return { delivered: true, detail: "kept by the test" };
    });
    await executor.start();
    await scheduler.start();
  });

  after(async () => {
    await scheduler.stop(1000);
    home.cleanup();
  });

  it("triggers a DAG with its conf and logical date, waits for it, and mails", async () => {
    const run = await scheduler.trigger("caller");
    assert.equal((await scheduler.waitForRun("caller", run.runId, { timeoutMs: 60_000 })).state, "success");
    const [triggered] = store.allRuns("target");
    assert.ok(triggered, "the target DAG has a run");
    assert.deepEqual(triggered.conf, { answer: 42 });
    assert.equal(new Date(triggered.logicalDate).toISOString(), "2030-01-02T03:04:05.000Z");
    assert.equal(triggered.state, "success", "the caller waited for the target to finish");
    const xcom = store.xcoms("caller", run.runId).find((entry) => entry.taskId === "trigger");
    assert.deepEqual(xcom?.value, { dagId: "target", runId: triggered.runId, state: "success" });
    assert.deepEqual(
      mails.map((mail) => [mail.to, mail.subject]),
      [[["ops@example.com"], "done"]],
    );
  });

  it("passes the scheduler's refusal back to the task with its error kind", async () => {
    const run = await scheduler.trigger("wrong");
    assert.equal((await scheduler.waitForRun("wrong", run.runId, { timeoutMs: 60_000 })).state, "failed");
    const ti = store.taskInstances("wrong", run.runId)[0]!;
    assert.equal(ti.error?.name, "NotFoundError");
    assert.match(ti.error?.message ?? "", /no_such_dag/);
  });
});
