// Airflow's secrets masker in Kitelab's workers: what a task prints of a secret-named
// Variable or a connection password reaches its log file as ***.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { LocalExecutor } from "../src/executor/localExecutor.js";
import { Scheduler } from "../src/scheduler/scheduler.js";
import { MemorySchedulerStore } from "../src/scheduler/memoryStore.js";
import { tempHome } from "./helpers/tempHome.js";
import { testSchedulerSettings } from "./helpers/schedulerSettings.js";

describe("task logs written by workers", () => {
  const home = tempHome();
  const store = new MemorySchedulerStore();
  let scheduler: Scheduler;

  before(async () => {
    store.vars = { lab_api_token: "tok-very-secret", team: "risk-models" };
    store.conns = { db: { connId: "db", connType: "postgres", host: "db.internal", password: "pg-pass-123" } };
    home.writeDag(
      "leaky.ts",
      `import { BashOperator, DAG } from "kitelab";
export const dag = new DAG({ dagId: "leaky", schedule: null });
const print = dag.task("print", async ({ log, variables, connections }) => {
  log.info("token", variables.get("lab_api_token"), "password", connections.get("db")?.password);
  console.log("console token:", variables.get("lab_api_token"), "team:", variables.get("team"));
});
print.then(new BashOperator({ dag, taskId: "echo", bashCommand: "echo shell {{ var.value.lab_api_token }}" }));
export const leaks = new DAG({ dagId: "leaks_out", schedule: null });
leaks.task("returns", async ({ variables }) => ({ upper: variables.get("lab_api_token")!.toUpperCase(), b64: Buffer.from(variables.get("lab_api_token")!).toString("base64") }));
leaks.task("throws", async ({ connections }) => { throw new Error("cannot log in with " + connections.get("db")?.password); });
leaks.add(new BashOperator({ taskId: "fails", bashCommand: "echo {{ var.value.lab_api_token }}; exit 3" }));
`,
    );
    const executor = new LocalExecutor({
      parallelism: 1,
      serviceHandler: (...args) => scheduler.serviceHandler(...args),
      cancelGraceMs: 300,
    });
    scheduler = new Scheduler(
      store,
      executor,
      testSchedulerSettings(home.dags, home.logs, { importTimeoutMs: 5_000, parallelism: 1, catchupByDefault: false }),
    );
    await executor.start();
    await scheduler.start();
  });

  after(async () => {
    await scheduler.stop(1000);
    home.cleanup();
  });

  it("mask secret-named Variables and connection passwords, from the logger, console and a shell command", async () => {
    const run = await scheduler.trigger("leaky", {});
    assert.equal((await scheduler.waitForRun("leaky", run.runId)).state, "success");
    const logOf = (taskId: string) =>
      readFileSync(store.taskInstances("leaky", run.runId).find((ti) => ti.taskId === taskId)!.logPath!, "utf8");
    const printed = logOf("print");
    assert.match(printed, /token \*\*\* password \*\*\*/);
    assert.match(printed, /console token: \*\*\* team: risk-models/);
    assert.match(logOf("echo"), /shell \*\*\*/);
    for (const log of [printed, logOf("echo")]) {
      assert.doesNotMatch(log, /tok-very-secret|pg-pass-123/);
    }
  });

  it("mask secrets in what leaves a task: errors, a failed command's text, XComs, also upper-cased or base64", async () => {
    const run = await scheduler.trigger("leaks_out", {});
    assert.equal((await scheduler.waitForRun("leaks_out", run.runId)).state, "failed");
    const recorded = JSON.stringify({
      tis: store.taskInstances("leaks_out", run.runId),
      xcoms: store.xcoms("leaks_out", run.runId),
    });
    assert.doesNotMatch(recorded, /tok-very-secret|TOK-VERY-SECRET|dG9rLXZlcnktc2VjcmV0|pg-pass-123/);
    assert.match(recorded, /cannot log in with \*\*\*/);
  });
});
