/**
 * The BullMQ executor with everything real: a redis-server, `kitelab standalone` with
 * `[core] executor = BullMQExecutor`, and `kitelab worker` processes, each with its own
 * Kitelab home (its own copy of the DAG files and its own log folder), as on other machines.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Queue } from "bullmq";
import { startRedis, type TestRedis } from "./helpers/redisServer.js";
import { tempHome } from "./helpers/tempHome.js";
import { waitFor } from "./helpers/waitFor.js";
import { jobIdOf, taskQueueName } from "../src/executor/bullmq/wire.js";

const BIN = fileURLToPath(new URL("../bin/kitelab.mjs", import.meta.url));

const DAGS: Record<string, string> = {
  "fanout.ts": `import { DAG } from "kitelab";
export const dag = new DAG({ dagId: "fanout" });
const start = dag.task("start", async () => "go");
for (let i = 0; i < 8; i += 1) start.then(dag.task(\`part_\${i}\`, async () => { await new Promise((r) => setTimeout(r, 400)); return i; }));
`,
  "routed.ts": `import { DAG } from "kitelab";
export const dag = new DAG({ dagId: "routed" });
dag.task("anywhere", async () => 1).then(dag.task("special_only", { queue: "special" }, async () => 2));
`,
  "fragile.ts": `import { DAG } from "kitelab";
export const dag = new DAG({ dagId: "fragile", defaultArgs: { retries: 1, retryDelay: "1s", queue: "fragile" } });
dag.task("slow", async (context) => {
  if (context.ti.tryNumber === 1) await new Promise((r) => setTimeout(r, 60_000));
  return context.ti.tryNumber;
});
`,
  "chain.ts": `import { DAG } from "kitelab";
export const dag = new DAG({ dagId: "chain" });
const wait = () => new Promise((r) => setTimeout(r, 1500));
dag.task("a", async () => { await wait(); return "a"; }).then(dag.task("b", async () => { await wait(); return "b"; })).then(dag.task("c", async () => "c"));
`,
  "waiting.ts": `import { existsSync } from "node:fs";
import { DAG } from "kitelab";
// Tasks that say something, then wait until the test creates the marker file named in conf.
const waitForMarker = async (marker: string) => {
  for (let waited = 0; !existsSync(marker) && waited < 60_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  return existsSync(marker);
};
export const talkative = new DAG({ dagId: "talkative", params: { marker: "" } });
talkative.task("speak", async (context) => { console.log("halfway there"); return waitForMarker(String(context.params.marker)); });
export const patient = new DAG({ dagId: "patient", params: { marker: "" } });
patient.task("finish_me", { queue: "graceful" }, async (context) => waitForMarker(String(context.params.marker)));
`,
  "messenger.ts": `import { DAG, EmailOperator, TriggerDagRunOperator } from "kitelab";
// Both operators ask the scheduler for a service (a new run, a mail) from a remote worker.
export const dag = new DAG({ dagId: "messenger", params: { marker: "" } });
const kick = new TriggerDagRunOperator({ dag, taskId: "kick_counted", triggerDagId: "counted", conf: { marker: "{{ params.marker }}" }, waitForCompletion: true, pokeInterval: "200ms" });
kick.then(new EmailOperator({ dag, taskId: "report", to: "teacher@example.com", subject: "messenger {{ run_id }} done", htmlContent: "<p>counted ran on a worker</p>" }));
`,
  "counted.ts": `import { DAG } from "kitelab";
import { appendFileSync } from "node:fs";
export const dag = new DAG({ dagId: "counted", params: { marker: "" } });
dag.task("count", async (context) => { appendFileSync(String(context.params.marker), "ran\\n"); console.log("counted once"); return 1; });
`,
};

/** One DAG per file, and two in waiting.ts. */
const DAG_COUNT = Object.keys(DAGS).length + 1;

interface Proc {
  child: ChildProcess;
  output: () => string;
}

function launch(args: string[], env: NodeJS.ProcessEnv): Proc {
  let output = "";
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  return { child, output: () => output };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

describe("BullMQExecutor with real Redis and kitelab workers", () => {
  let redis: TestRedis;
  const scheduler = tempHome("kitelab-bullmq-scheduler-");
  const workerHomes: string[] = [];
  const workers = new Map<string, Proc>();
  let standalone: Proc;
  let url = "";
  let token = "";

  const bullmqEnv = (): NodeJS.ProcessEnv => ({
    KITELAB__CORE__EXECUTOR: "BullMQExecutor",
    KITELAB__CORE__LOAD_EXAMPLES: "False",
    KITELAB__CORE__DAGS_ARE_PAUSED_AT_CREATION: "False",
    KITELAB__CORE__PARALLELISM: "8",
    KITELAB__SCHEDULER__SCHEDULER_HEARTBEAT_SEC: "1",
    KITELAB__BULLMQ__REDIS_URL: redis.url,
    KITELAB__BULLMQ__WORKER_HEARTBEAT_INTERVAL: "0.5",
    KITELAB__BULLMQ__WORKER_OFFLINE_AFTER: "3",
    KITELAB__BULLMQ__LOCK_DURATION: "5",
    KITELAB__BULLMQ__STALLED_INTERVAL: "2",
  });

  /** A worker on "another machine": its own home, a copy of the DAG files. */
  async function startWorker(name: string, extra: string[] = []): Promise<Proc> {
    const home = mkdtempSync(join(tmpdir(), `kitelab-worker-${name}-`));
    workerHomes.push(home);
    cpSync(scheduler.dags, join(home, "dags"), { recursive: true });
    const worker = launch(["worker", "--hostname", name, "--concurrency", "2", ...extra], {
      ...bullmqEnv(),
      KITELAB_HOME: home,
    });
    workers.set(name, worker);
    await waitFor(
      `worker ${name} to be ready`,
      () => (/ready: queues/.test(worker.output()) ? true : undefined),
      60_000,
    );
    return worker;
  }

  async function api(path: string, init: RequestInit = {}): Promise<Record<string, unknown>> {
    const response = await fetch(`${url}api/v1${path}`, {
      ...init,
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    });
    return (await response.json()) as Record<string, unknown>;
  }

  async function trigger(dagId: string, conf: Record<string, unknown> = {}): Promise<string> {
    const created = await api(`/dags/${dagId}/dagRuns`, { method: "POST", body: JSON.stringify({ conf }) });
    assert.ok(created.dag_run_id, JSON.stringify(created));
    return String(created.dag_run_id);
  }

  async function finished(dagId: string, runId: string): Promise<string> {
    return waitFor(
      `run ${runId} of ${dagId} to finish`,
      async () => {
        const run = await api(`/dags/${dagId}/dagRuns/${encodeURIComponent(runId)}`);
        return run.state === "success" || run.state === "failed" ? String(run.state) : undefined;
      },
      90_000,
      100,
    );
  }

  async function taskInstances(
    dagId: string,
    runId: string,
  ): Promise<Array<{ task_id: string; hostname: string; state: string; try_number: number }>> {
    const body = await api(`/dags/${dagId}/dagRuns/${encodeURIComponent(runId)}/taskInstances`);
    return body.task_instances as Array<{ task_id: string; hostname: string; state: string; try_number: number }>;
  }

  before(async () => {
    redis = await startRedis();
    for (const [name, source] of Object.entries(DAGS)) scheduler.writeDag(name, source);
    standalone = launch(["standalone", "--port", "0"], { ...bullmqEnv(), KITELAB_HOME: scheduler.home });
    url = await waitFor("the status page URL", () => /Status page:\s+(\S+)/.exec(standalone.output())?.[1], 60_000);
    token = readFileSync(join(scheduler.home, "api_token"), "utf8").trim();
    await Promise.all([startWorker("alpha"), startWorker("beta")]);
    await waitFor("the DAGs to be listed", async () =>
      (await api("/dags")).total_entries === DAG_COUNT ? true : undefined,
    );
  });

  after(async () => {
    for (const proc of [...workers.values(), standalone]) {
      if (!proc) continue;
      proc.child.kill("SIGKILL");
      await exited(proc.child);
    }
    await redis?.cleanup();
    scheduler.cleanup();
    for (const home of workerHomes) rmSync(home, { recursive: true, force: true });
  });

  it("two workers share a fan-out; each task instance names its worker and its log reaches the scheduler's log folder", async () => {
    const runId = await trigger("fanout");
    assert.equal(await finished("fanout", runId), "success");
    const instances = await taskInstances("fanout", runId);
    const hosts = new Set(instances.map((ti) => ti.hostname));
    assert.deepEqual([...hosts].sort(), ["alpha", "beta"]);
    const log = join(scheduler.logs, "dag_id=fanout", `run_id=${runId}`, "task_id=part_3", "attempt=1.log");
    assert.ok(existsSync(log), `${log} is missing`);
    assert.match(readFileSync(log, "utf8"), /Taken from queue default by kitelab worker (alpha|beta)/);
    const served = await fetch(
      `${url}api/v1/dags/fanout/dagRuns/${encodeURIComponent(runId)}/taskInstances/part_3/logs/1`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    assert.match(await served.text(), /Attempt ended: success/);
  });

  it("a remote task's log reaches the task log page while the task still runs", async () => {
    const marker = join(scheduler.home, "talkative.done");
    const runId = await trigger("talkative", { marker });
    const logUrl = `${url}api/v1/dags/talkative/dagRuns/${encodeURIComponent(runId)}/taskInstances/speak/logs/1`;
    await waitFor(
      "the running task's line on the scheduler's log page",
      async () => {
        const served = await fetch(logUrl, { headers: { authorization: `Bearer ${token}` } });
        return served.ok && /halfway there/.test(await served.text()) ? true : undefined;
      },
      30_000,
      100,
    );
    const [ti] = await taskInstances("talkative", runId);
    assert.equal(ti!.state, "running", "the line arrived before the task ended");
    writeFileSync(marker, "");
    assert.equal(await finished("talkative", runId), "success");
  });

  it("a worker stopped with SIGTERM while a task runs lets the task finish, then exits", async () => {
    const marker = join(scheduler.home, "patient.done");
    const delta = await startWorker("delta", ["--queues", "graceful"]);
    const runId = await trigger("patient", { marker });
    await waitFor("the task to run on delta", async () => {
      const ti = (await taskInstances("patient", runId))[0];
      return ti?.state === "running" && ti.hostname === "delta" ? true : undefined;
    });
    delta.child.kill("SIGTERM");
    await waitFor("delta to say it is stopping", () =>
      /Stopping: 1 running task\(s\) get/.test(delta.output()) ? true : undefined,
    );
    writeFileSync(marker, "");
    await exited(delta.child);
    assert.equal(delta.child.exitCode, 0, delta.output());
    assert.match(delta.output(), /Worker stopped\./);
    assert.equal(await finished("patient", runId), "success");
    const [ti] = await taskInstances("patient", runId);
    assert.equal(ti!.try_number, 1, "the task finished on delta, not in a retry");
    assert.equal(ti!.hostname, "delta");
  });

  it("a task with queue: 'special' runs only on a worker of that queue", async () => {
    await startWorker("gamma", ["--queues", "special"]);
    const runId = await trigger("routed");
    assert.equal(await finished("routed", runId), "success");
    const byTask = new Map((await taskInstances("routed", runId)).map((ti) => [ti.task_id, ti.hostname]));
    assert.equal(byTask.get("special_only"), "gamma");
    assert.notEqual(byTask.get("anywhere"), "gamma");
  });

  it("a worker killed with SIGKILL mid-task: the attempt is lost, the task's retry runs elsewhere, the run succeeds", async () => {
    const victim = await startWorker("victim", ["--queues", "fragile"]);
    const runId = await trigger("fragile");
    await waitFor("the first attempt to run on victim", async () => {
      const ti = (await taskInstances("fragile", runId))[0];
      return ti?.state === "running" && ti.hostname === "victim" ? true : undefined;
    });
    type View = {
      workers: Array<{ hostname: string; state: string; running: Array<{ task_id: string; href: string }> }>;
    };
    const running = await waitFor("the worker view to list the task the victim runs", async () => {
      const view = (await api("/workers")) as View;
      return view.workers.find((worker) => worker.hostname === "victim" && worker.running.length > 0)?.running;
    });
    assert.deepEqual(
      running.map((attempt) => attempt.task_id),
      ["slow"],
    );
    assert.match(running[0]!.href, /^\/dags\/fragile\?run_id=/);
    victim.child.kill("SIGKILL");
    await exited(victim.child);
    await waitFor("the worker view to show victim offline", async () => {
      const after = (await api("/workers")) as View;
      return after.workers.find((worker) => worker.hostname === "victim")?.state === "offline" ? true : undefined;
    });
    await startWorker("rescuer", ["--queues", "fragile"]);
    assert.equal(await finished("fragile", runId), "success");
    const [ti] = await taskInstances("fragile", runId);
    assert.equal(ti!.try_number, 2);
    assert.equal(ti!.hostname, "rescuer");
    const firstLog = readFileSync(
      join(scheduler.logs, "dag_id=fragile", `run_id=${runId}`, "task_id=slow", "attempt=1.log"),
      "utf8",
    );
    assert.match(firstLog, /worker victim#\w+ stopped sending heartbeats/);
  });

  it("Redis stopped and restarted mid-run: scheduler and workers reconnect and the run completes", async () => {
    const runId = await trigger("chain");
    await waitFor("task a to run", async () =>
      (await taskInstances("chain", runId)).find((ti) => ti.task_id === "a")?.state === "running" ? true : undefined,
    );
    await redis.stop();
    await redis.restart();
    assert.equal(await finished("chain", runId), "success");
    const states = (await taskInstances("chain", runId))
      .map((ti) => `${ti.task_id}:${ti.state}:${ti.try_number}`)
      .sort();
    assert.deepEqual(states, ["a:success:1", "b:success:1", "c:success:1"]);
  });

  it("a second delivery of a finished attempt's message does not run it again", async () => {
    const marker = join(scheduler.home, "counted.txt");
    const runId = await trigger("counted", { marker });
    assert.equal(await finished("counted", runId), "success");
    const queue = new Queue(taskQueueName("default"), {
      connection: { host: "127.0.0.1", port: redis.port },
      prefix: "kitelab",
    });
    try {
      const key = { dagId: "counted", runId, taskId: "count", tryNumber: 1 };
      const original = await queue.getJob(jobIdOf(key));
      assert.ok(original, "the attempt's job is kept in Redis after it completed");
      const again = await queue.add("attempt", original.data, { jobId: `${jobIdOf(key)}.redelivered` });
      await waitFor("the redelivered job to be handled", async () =>
        (await again.getState()) === "completed" ? true : undefined,
      );
      assert.match(
        String((await queue.getJob(again.id!))!.returnvalue.duplicate),
        /^(alpha|beta)#/,
        "answered as a duplicate of the worker that ran it",
      );
    } finally {
      await queue.close();
    }
    assert.equal(readFileSync(marker, "utf8"), "ran\n");
    const workerOutput = [...workers.values()].map((worker) => worker.output()).join("");
    assert.match(workerOutput, /ignored a second delivery of counted\/.*\/count\/1/);
    const [ti] = await taskInstances("counted", runId);
    assert.equal(ti!.try_number, 1);
    assert.equal(ti!.state, "success");
  });

  it("a remote task triggers a DAG run and sends a mail through the scheduler's services queue", async () => {
    const marker = join(scheduler.home, "messenger.txt");
    const runId = await trigger("messenger", { marker });
    assert.equal(await finished("messenger", runId), "success");
    const instances = await taskInstances("messenger", runId);
    for (const ti of instances) assert.match(ti.hostname, /^(alpha|beta)$/, `${ti.task_id} ran on a worker`);
    const counted = (await api("/dags/counted/dagRuns")).dag_runs as Array<{
      dag_run_id: string;
      state: string;
      conf: { marker?: string };
    }>;
    const triggered = counted.find((run) => run.conf.marker === marker);
    assert.ok(triggered, `a run of counted with the marker in its conf among ${JSON.stringify(counted)}`);
    assert.equal(triggered.state, "success", "the trigger waited for it to complete");
    assert.equal(readFileSync(marker, "utf8"), "ran\n");
    const mails = readdirSync(join(scheduler.home, "outbox"))
      .filter((name) => name.endsWith(".eml"))
      .map((name) => readFileSync(join(scheduler.home, "outbox", name), "utf8"));
    const report = mails.find((mail) => mail.includes(`messenger ${runId} done`));
    assert.ok(report, `the report mail in the scheduler's outbox (${mails.length} mails there)`);
    assert.match(report, /^To: teacher@example\.com/m);
  });

  it("a worker stops gracefully on SIGTERM and the worker view shows it offline", async () => {
    const beta = workers.get("beta")!;
    beta.child.kill("SIGTERM");
    await exited(beta.child);
    assert.equal(beta.child.exitCode, 0, beta.output());
    assert.match(beta.output(), /Worker stopped\./);
    const view = (await api("/workers")) as {
      workers: Array<{ hostname: string; state: string; queues: string[]; tasks_done: number }>;
      queues: Array<{ name: string }>;
    };
    const byName = new Map(view.workers.map((worker) => [worker.hostname, worker]));
    assert.equal(byName.get("beta")?.state, "offline");
    assert.equal(byName.get("alpha")?.state, "online");
    assert.deepEqual(byName.get("gamma")?.queues, ["special"]);
    assert.ok((byName.get("alpha")?.tasks_done ?? 0) > 0);
    assert.deepEqual(
      view.queues.map((queue) => queue.name),
      ["default", "fragile", "graceful", "special"],
    );
  });
});

describe("BullMQExecutor when Redis is unreachable", () => {
  it("the scheduler refuses to start with an error that names redis_url", async () => {
    const home = tempHome();
    try {
      const proc = launch(["scheduler"], {
        KITELAB_HOME: home.home,
        KITELAB__CORE__EXECUTOR: "BullMQExecutor",
        KITELAB__BULLMQ__REDIS_URL: "redis://127.0.0.1:1/0",
      });
      await exited(proc.child);
      assert.notEqual(proc.child.exitCode, 0);
      assert.match(proc.output(), /cannot reach Redis at redis:\/\/127\.0\.0\.1:1\/0 \(\[bullmq\] redis_url\)/);
    } finally {
      home.cleanup();
    }
  });
});
