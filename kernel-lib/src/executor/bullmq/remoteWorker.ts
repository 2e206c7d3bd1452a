/**
 * `kitelab worker`: takes attempts from BullMQ queues in Redis and runs them in the same
 * isolated worker processes as the LocalExecutor (the pool is reused, not copied), then
 * sends their events and logs back to the scheduler through Redis.
 */
import { ValidationError } from "../../errors.js";
import { appendPrivateFile } from "../../util/privateFiles.js";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { Queue, QueueEvents, UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis, RedisOptions } from "ioredis";
import type { AttemptResult } from "../../runtime/attempt.js";
import { LocalExecutor } from "../localExecutor.js";
import {
  attemptId,
  type AttemptKey,
  type ExecutorEvent,
  type ServiceRequest,
  type ServiceValue,
  type TaskJob,
} from "../protocol.js";
import { checkRedis, openRedis } from "./connection.js";
import type { BullmqSettings } from "./settings.js";
import {
  claimAttempt,
  keys,
  markAttemptEnded,
  writeHeartbeat,
  type RunningAttempt,
  type WorkerRecord,
} from "./registry.js";
import {
  EVENTS_QUEUE,
  jobIdOf,
  parseRemoteJob,
  SERVICES_QUEUE,
  MAX_SHIPPED_LOG_BYTES,
  taskQueueName,
  toLocalJob,
  truncateLog,
  type DagFolders,
  type LogChunk,
  type ServiceCall,
  type WorkerEvent,
} from "./wire.js";

export interface RemoteWorkerOptions {
  settings: BullmqSettings;
  queues: string[];
  concurrency: number;
  hostname: string;
  /** This machine's dags folder and examples. */
  folders: DagFolders;
  baseLogFolder: string;
  /** Progress lines for the terminal. */
  log?: (line: string) => void;
  /** Memory each task's worker process may hold (`[core] worker_memory_limit_mb`). */
  workerMemoryLimitMb?: number;
}

/** How often a running attempt's new log lines go to the scheduler. */
const LIVE_LOG_MS = 500;

interface Running {
  job: TaskJob;
  jobId: string;
  startedAt: string;
  finish: (result: AttemptResult) => void;
}

export class RemoteWorker {
  readonly id: string;
  private readonly pool: LocalExecutor;
  private readonly running = new Map<string, Running>();
  private readonly slotWaiters: Array<() => void> = [];
  private slotsUsed = 0;
  private connection?: RedisOptions;
  private redis?: Redis;
  private subscriber?: Redis;
  private events?: Queue;
  private services?: Queue;
  private servicesEvents?: QueueEvents;
  private workers: Worker[] = [];
  private heartbeatTimer?: NodeJS.Timeout;
  private readonly startedAt = new Date().toISOString();
  private state: WorkerRecord["state"] = "online";
  private done = 0;
  private failed = 0;

  constructor(private readonly options: RemoteWorkerOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new ValidationError(`Expected --concurrency to be a positive integer, got ${options.concurrency}`);
    }
    if (options.queues.length === 0) throw new ValidationError("Expected at least one queue in --queues");
    this.id = `${options.hostname}#${randomBytes(3).toString("hex")}`;
    this.pool = new LocalExecutor({
      parallelism: options.concurrency,
      name: `kitelab worker ${options.hostname}`,
      serviceHandler: (request, key) => this.callScheduler(request, key),
      workerMemoryLimitMb: options.workerMemoryLimitMb,
    });
    this.pool.onEvent((event) => this.onPoolEvent(event));
  }

  async start(): Promise<void> {
    const { settings } = this.options;
    const checked = await checkRedis(settings.redisUrl);
    if (!checked.ok) throw new ValidationError(checked.error);
    this.connection = checked.value;
    this.redis = openRedis(this.connection);
    this.subscriber = openRedis(this.connection);
    const common = { connection: this.connection, prefix: settings.prefix };
    this.events = new Queue(EVENTS_QUEUE, common);
    this.services = new Queue(SERVICES_QUEUE, common);
    this.servicesEvents = new QueueEvents(SERVICES_QUEUE, common);
    this.events.on("error", () => {});
    this.services.on("error", () => {});
    this.servicesEvents.on("error", () => {});
    await this.pool.start();
    await this.subscriber.subscribe(keys.cancels(settings.prefix));
    this.subscriber.on("message", (_channel: string, text: string) => this.onCancel(text));
    await this.heartbeat();
    this.heartbeatTimer = setInterval(() => void this.heartbeat().catch(() => {}), settings.heartbeatMs);
    this.workers = this.options.queues.map((queue) => {
      const worker = new Worker(taskQueueName(queue), (job: Job) => this.process(job), {
        ...common,
        concurrency: this.options.concurrency,
        lockDuration: settings.lockDurationMs,
        stalledInterval: settings.stalledIntervalMs,
        maxStalledCount: settings.maxStalledCount,
      });
      worker.on("error", (error) => this.say(`queue ${queue}: ${error.message}`));
      return worker;
    });
    await Promise.all(this.workers.map((worker) => worker.waitUntilReady()));
  }

  /** Running attempts, for the terminal and tests. */
  get runningCount(): number {
    return this.running.size;
  }

  /**
   * Graceful stop (SIGTERM): take nothing new, let running attempts finish for `graceMs`,
   * then hand back the rest as failed attempts (the scheduler retries them) and end.
   */
  async stop(graceMs: number): Promise<void> {
    this.state = "stopping";
    await this.heartbeat().catch(() => {});
    const closing = Promise.all(this.workers.map((worker) => worker.close()));
    const timedOut = await Promise.race([
      closing.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), graceMs).unref()),
    ]);
    if (timedOut) {
      for (const entry of [...this.running.values()]) {
        entry.finish({
          outcome: { kind: "failed" },
          xcoms: [],
          error: {
            name: "WorkerStoppedError",
            message: `the worker ${this.options.hostname} was stopped before this task ended; handed back to the scheduler as a failed attempt`,
          },
        });
      }
      await Promise.all(this.workers.map((worker) => worker.close(true)));
    }
    await this.pool.stop(0);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.state = "stopped";
    await this.heartbeat().catch(() => {});
    await Promise.all([this.events?.close(), this.services?.close(), this.servicesEvents?.close()]);
    this.subscriber?.disconnect();
    this.redis?.disconnect();
  }

  private async process(job: Job): Promise<{ outcome: string } | { duplicate: string }> {
    const parsed = parseRemoteJob(job.data);
    if (!parsed.ok) throw new UnrecoverableError(`job ${job.id}: ${parsed.error}`);
    const remote = parsed.value;
    const jobId = jobIdOf(remote.key);
    const claim = await claimAttempt(this.redis!, this.options.settings.prefix, jobId, this.id);
    if (!claim.claimed) {
      this.say(`ignored a second delivery of ${attemptId(remote.key)}: ${claim.by} already took that attempt`);
      return { duplicate: claim.by };
    }
    const local = toLocalJob(remote, this.options.folders, this.options.baseLogFolder);
    if (!local.ok) {
      await this.sendFinished(
        remote.key,
        jobId,
        { outcome: { kind: "failed" }, xcoms: [], error: { name: "DagFileLocationError", message: local.error } },
        local.error,
      );
      return { outcome: "failed" };
    }
    await this.acquireSlot();
    try {
      const result = await this.runInPool(local.value, jobId, remote.queue);
      await this.sendFinished(remote.key, jobId, result, readLog(local.value.logPath));
      return { outcome: result.outcome.kind };
    } finally {
      this.releaseSlot();
    }
  }

  private runInPool(job: TaskJob, jobId: string, queue: string): Promise<AttemptResult> {
    writeLogLine(
      job.logPath,
      `INFO  - Taken from queue ${queue} by kitelab worker ${this.options.hostname} (${this.id})`,
    );
    return new Promise((resolve) => {
      let settled = false;
      const stopTail = this.tailLog(job.logPath, jobId);
      const finish = (result: AttemptResult) => {
        if (settled) return;
        settled = true;
        stopTail();
        this.running.delete(attemptId(job.key));
        void this.heartbeat().catch(() => {});
        resolve(result);
      };
      this.running.set(attemptId(job.key), { job, jobId, startedAt: new Date().toISOString(), finish });
      this.pool.submit(job);
      // The worker view shows what runs now, not at the next beat.
      void this.heartbeat().catch(() => {});
    });
  }

  /**
   * Publishes what a running attempt adds to its log, every LIVE_LOG_MS, so the scheduler's
   * task log page shows it while the task runs. Returns the function that stops it.
   */
  private tailLog(path: string, jobId: string): () => void {
    let offset = 0;
    let reading = false;
    const timer = setInterval(() => {
      if (reading || offset >= MAX_SHIPPED_LOG_BYTES) return;
      reading = true;
      void readFrom(path, offset, MAX_SHIPPED_LOG_BYTES - offset)
        .then(async (bytes) => {
          if (bytes.length === 0) return;
          const chunk: LogChunk = { jobId, offset, data: bytes.toString("base64") };
          await this.redis!.publish(keys.liveLogs(this.options.settings.prefix), JSON.stringify(chunk));
          offset += bytes.length;
        })
        .catch(() => {})
        .finally(() => {
          reading = false;
        });
    }, LIVE_LOG_MS);
    return () => clearInterval(timer);
  }

  private onPoolEvent(event: ExecutorEvent): void {
    const entry = this.running.get(attemptId(event.key));
    if (!entry) return;
    if (event.type === "started") {
      const started: WorkerEvent = {
        type: "started",
        key: event.key,
        hostname: this.options.hostname,
        workerId: this.id,
        pid: event.pid,
      };
      void this.events!.add("started", started, { jobId: `${entry.jobId}.started`, removeOnComplete: true }).catch(
        () => {},
      );
      return;
    }
    entry.finish(event.result);
  }

  private async sendFinished(key: AttemptKey, jobId: string, result: AttemptResult, log: string): Promise<void> {
    if (result.outcome.kind === "success" || result.outcome.kind === "skipped") this.done += 1;
    else this.failed += 1;
    const finished: WorkerEvent = {
      type: "finished",
      key,
      hostname: this.options.hostname,
      workerId: this.id,
      result,
      log: truncateLog(log),
    };
    await this.events!.add("finished", finished, { jobId: `${jobId}.finished`, removeOnComplete: true });
    await markAttemptEnded(this.redis!, this.options.settings.prefix, jobId, this.id);
    this.say(`${attemptId(key)}: ${result.outcome.kind}`);
  }

  private async callScheduler(request: ServiceRequest, key: AttemptKey): Promise<ServiceValue> {
    const call: ServiceCall = { key, request };
    const job = await this.services!.add(request.method, call);
    // The services queue's handler answers this request with its method's value.
    return (await job.waitUntilFinished(this.servicesEvents!)) as ServiceValue;
  }

  private onCancel(text: string): void {
    let message: { jobId?: string; reason?: string };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    for (const entry of this.running.values()) {
      if (entry.jobId === message.jobId)
        this.pool.cancel(entry.job.key, message.reason ?? "cancelled by the scheduler");
    }
  }

  private async heartbeat(): Promise<void> {
    const running: RunningAttempt[] = [...this.running.values()].map((entry) => ({
      key: entry.job.key,
      startedAt: entry.startedAt,
    }));
    const record: WorkerRecord = {
      id: this.id,
      hostname: this.options.hostname,
      pid: process.pid,
      queues: this.options.queues,
      concurrency: this.options.concurrency,
      startedAt: this.startedAt,
      lastHeartbeat: new Date().toISOString(),
      state: this.state,
      running,
      done: this.done,
      failed: this.failed,
    };
    await writeHeartbeat(this.redis!, this.options.settings.prefix, record, this.options.settings.offlineAfterMs);
  }

  /** One pool slot per attempt, shared by the queues this worker serves. */
  private async acquireSlot(): Promise<void> {
    while (this.slotsUsed >= this.options.concurrency)
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    this.slotsUsed += 1;
  }

  private releaseSlot(): void {
    this.slotsUsed -= 1;
    this.slotWaiters.shift()?.();
  }

  private say(line: string): void {
    this.options.log?.(line);
  }
}

/** Up to `limit` bytes of a file from `offset` (none when it does not exist yet). */
async function readFrom(path: string, offset: number, limit: number): Promise<Buffer> {
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(path, "r");
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const buffer = Buffer.alloc(Math.min(limit, 256 * 1024));
    const { bytesRead } = await file.read(buffer, 0, buffer.length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

function readLog(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function writeLogLine(path: string, line: string): void {
  try {
    appendPrivateFile(path, `[${new Date().toISOString()}] ${line}\n`);
  } catch {
    // The task's own log lines still go to the same file when it can be opened.
  }
}
