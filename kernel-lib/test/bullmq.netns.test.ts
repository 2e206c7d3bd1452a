/**
 * Two hosts on one machine: the scheduler and Redis in one network namespace, a
 * `kitelab worker` in another, joined only by a veth pair. The worker has its own home and
 * its own copy of the DAG files and cannot reach the scheduler's loopback, so the run can
 * only succeed if nothing assumes a shared machine (no loopback URL, no shared log folder).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempHome } from "./helpers/tempHome.js";
import { waitFor } from "./helpers/waitFor.js";

const BIN = fileURLToPath(new URL("../bin/kitelab.mjs", import.meta.url));
const REDIS_SERVER = "/usr/bin/redis-server";
const tag = `${process.pid % 100_000}`;
const SCHEDULER_NS = `kl-sched-${tag}`;
const WORKER_NS = `kl-work-${tag}`;
// A /24 unlikely to be in use, varied by pid so two runs of the suite do not collide.
const SUBNET = `10.213.${process.pid % 250}`;
const SCHEDULER_IP = `${SUBNET}.1`;
const WORKER_IP = `${SUBNET}.2`;

function ip(...args: string[]) {
  return spawnSync("ip", args, { encoding: "utf8" });
}

/** Why namespaces cannot be used here (not root, no `ip`, a container without CAP_SYS_ADMIN), or undefined. */
function namespacesUnavailable(): string | undefined {
  const probe = `kl-probe-${tag}`;
  const added = ip("netns", "add", probe);
  if (added.error) return `\`ip\` is not available (${added.error.message}); install iproute2`;
  if (added.status !== 0) return `\`ip netns add\` is not permitted here: ${added.stderr.trim()}`;
  ip("netns", "del", probe);
  if (!existsSync(REDIS_SERVER)) return `${REDIS_SERVER} is missing: run \`npm run setup\``;
  return undefined;
}

const unavailable = namespacesUnavailable();

const DAG = `import { DAG } from "kitelab";
export const dag = new DAG({ dagId: "two_hosts" });
const extract = dag.task("extract", async (context) => { context.log.info("extracted on the far side"); return [1, 2, 3]; });
extract.then(dag.task("load", async (context) => {
  const rows = context.ti.xcomPull<number[]>("extract") ?? [];
  return rows.reduce((sum, value) => sum + value, 0);
}));
`;

interface Proc {
  child: ChildProcess;
  output: () => string;
}

/** A process inside a namespace; `ip netns exec` execs it, so the pid is the process itself. */
function inNamespace(namespace: string, command: string[], env: NodeJS.ProcessEnv = {}): Proc {
  let output = "";
  const child = spawn("ip", ["netns", "exec", namespace, ...command], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  return { child, output: () => output };
}

function runIn(namespace: string, command: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync("ip", ["netns", "exec", namespace, ...command], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

describe("BullMQExecutor across two network namespaces (two hosts on one machine)", { skip: unavailable }, () => {
  const scheduler = tempHome("kitelab-netns-scheduler-");
  const workerHome = mkdtempSync(join(tmpdir(), "kitelab-netns-worker-"));
  const redisDir = mkdtempSync(join(tmpdir(), "kitelab-netns-redis-"));
  const processes: Proc[] = [];
  const env = (): NodeJS.ProcessEnv => ({
    KITELAB__CORE__EXECUTOR: "BullMQExecutor",
    KITELAB__CORE__LOAD_EXAMPLES: "False",
    KITELAB__CORE__DAGS_ARE_PAUSED_AT_CREATION: "False",
    KITELAB__SCHEDULER__SCHEDULER_HEARTBEAT_SEC: "1",
    KITELAB__BULLMQ__REDIS_URL: `redis://${SCHEDULER_IP}:6379/0`,
    KITELAB__BULLMQ__WORKER_HEARTBEAT_INTERVAL: "0.5",
  });
  const schedulerCli = (...args: string[]) =>
    runIn(SCHEDULER_NS, [process.execPath, BIN, ...args], { ...env(), KITELAB_HOME: scheduler.home });

  before(async () => {
    for (const namespace of [SCHEDULER_NS, WORKER_NS]) {
      const added = ip("netns", "add", namespace);
      assert.equal(added.status, 0, added.stderr);
      ip("-n", namespace, "link", "set", "lo", "up");
    }
    const [schedulerEnd, workerEnd] = [`kls${tag}`, `klw${tag}`];
    for (const step of [
      ["link", "add", schedulerEnd, "type", "veth", "peer", "name", workerEnd],
      ["link", "set", schedulerEnd, "netns", SCHEDULER_NS],
      ["link", "set", workerEnd, "netns", WORKER_NS],
      ["-n", SCHEDULER_NS, "addr", "add", `${SCHEDULER_IP}/24`, "dev", schedulerEnd],
      ["-n", WORKER_NS, "addr", "add", `${WORKER_IP}/24`, "dev", workerEnd],
      ["-n", SCHEDULER_NS, "link", "set", schedulerEnd, "up"],
      ["-n", WORKER_NS, "link", "set", workerEnd, "up"],
    ]) {
      const result = ip(...step);
      assert.equal(result.status, 0, `ip ${step.join(" ")}: ${result.stderr}`);
    }

    const redis = inNamespace(SCHEDULER_NS, [
      REDIS_SERVER,
      ...["--port", "6379", "--bind", SCHEDULER_IP, "--protected-mode", "no", "--dir", redisDir, "--save", ""],
    ]);
    processes.push(redis);
    await waitFor("Redis in the scheduler's namespace", () =>
      /Ready to accept connections/.test(redis.output()) ? true : undefined,
    );

    scheduler.writeDag("two_hosts.ts", DAG);
    cpSync(scheduler.dags, join(workerHome, "dags"), { recursive: true });
    const standalone = inNamespace(SCHEDULER_NS, [process.execPath, BIN, "standalone", "--port", "0"], {
      ...env(),
      KITELAB_HOME: scheduler.home,
    });
    processes.push(standalone);
    await waitFor(
      "the scheduler to serve its status page",
      () => /Status page:\s+(\S+)/.exec(standalone.output())?.[1],
      60_000,
    );
    const worker = inNamespace(
      WORKER_NS,
      [process.execPath, BIN, "worker", "--hostname", "far-host", "--concurrency", "2"],
      { ...env(), KITELAB_HOME: workerHome },
    );
    processes.push(worker);
    await waitFor("the worker in the other namespace to be ready", () =>
      /ready: queues/.test(worker.output()) ? true : undefined,
    );
    await waitFor(
      "two_hosts to be listed",
      () => (schedulerCli("dags", "list", "-o", "json").stdout.includes('"two_hosts"') ? true : undefined),
      60_000,
      500,
    );
  });

  after(async () => {
    for (const proc of processes.reverse()) {
      proc.child.kill("SIGKILL");
      await exited(proc.child);
    }
    for (const namespace of [SCHEDULER_NS, WORKER_NS]) ip("netns", "del", namespace);
    scheduler.cleanup();
    rmSync(workerHome, { recursive: true, force: true });
    rmSync(redisDir, { recursive: true, force: true });
  });

  it("the worker's namespace cannot reach the scheduler's loopback, only its veth address", () => {
    const probe = (host: string) =>
      runIn(WORKER_NS, [
        process.execPath,
        "-e",
        `const s = require("node:net").connect(6379, ${JSON.stringify(host)});
         s.on("connect", () => { console.log("open"); s.destroy(); });
         s.on("error", (e) => console.log(e.code));`,
      ]).stdout.trim();
    assert.equal(probe("127.0.0.1"), "ECONNREFUSED");
    assert.equal(probe(SCHEDULER_IP), "open");
  });

  it("a run triggered on the scheduler's host is executed by the worker on the other host", async () => {
    const triggered = schedulerCli("dags", "trigger", "two_hosts", "--run-id", "across_hosts", "-o", "json");
    assert.equal(triggered.status, 0, triggered.stderr);
    const state = await waitFor(
      "the run across hosts to finish",
      () => {
        const answer = schedulerCli("dags", "state", "two_hosts", "across_hosts");
        return /^(success|failed)$/.exec(answer.stdout.trim())?.[1];
      },
      90_000,
      250,
    );
    const workerLog = processes.at(-1)!.output();
    assert.equal(state, "success", workerLog);
    for (const taskId of ["extract", "load"]) {
      const answer = schedulerCli("tasks", "state", "two_hosts", taskId, "across_hosts", "-o", "json");
      const ti = JSON.parse(answer.stdout) as { state: string; hostname?: string };
      assert.deepEqual([taskId, ti.state, ti.hostname], [taskId, "success", "far-host"]);
    }
    const log = join(scheduler.logs, "dag_id=two_hosts", "run_id=across_hosts", "task_id=extract", "attempt=1.log");
    await waitFor("the remote task's log in the scheduler's log folder", () => (existsSync(log) ? true : undefined));
    assert.match(readFileSync(log, "utf8"), /extracted on the far side/);
  });
});
