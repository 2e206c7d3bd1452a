import { appendPrivateFile, writePrivateFile } from "../../util/privateFiles.js";
import { Queue, Worker, type Job } from "bullmq";
import type { Redis, RedisOptions } from "ioredis";
import {
  errorRecord,
  ExecutorFullError,
  type KitelabError,
  QueueError,
  WorkerLostError,
  ValidationError,
} from "../../errors.js";
import type { Executor, ServiceHandler } from "../executor.js";
import { attemptId, type AttemptKey, type ExecutorEvent, type TaskJob } from "../protocol.js";
import { checkRedis, openRedis } from "./connection.js";
import type { BullmqSettings } from "./settings.js";
import { lostAttempts } from "./lostAttempts.js";
import { claimsOf, keys } from "./registry.js";
import {
  EVENTS_QUEUE,
  jobIdOf,
  parseLogChunk,
  SERVICES_QUEUE,
  taskQueueName,
  toRemoteJob,
  type DagFolders,
  type ServiceCall,
  type WorkerEvent,
} from "./wire.js";

export interface BullMQExecutorOptions {
  settings: BullmqSettings;
  /** Attempts in flight at once, all workers together (`[core] parallelism`). */
  parallelism: number;
  folders: DagFolders;
  serviceHandler: ServiceHandler;
  /** @default "BullMQExecutor" */
  name?: string;
}

interface InFlight {
  job: TaskJob;
  jobId: string;
  /** Bytes of its live log written to the scheduler's copy so far. */
  liveLogBytes?: number;
}

/**
 * The scheduler's side of the distributed executor: attempts go onto BullMQ queues in
 * Redis, `kitelab worker`s run them, and their events come back on the events queue.
 * The scheduler only ever reads Redis: it never needs a worker's machine.
 */
export class BullMQExecutor implements Executor {
  readonly name: string;
  private readonly listeners: Array<(event: ExecutorEvent) => void> = [];
  private readonly inFlight = new Map<string, InFlight>();
  private readonly queues = new Map<string, Queue>();
  private connection?: RedisOptions;
  private redis?: Redis;
  private liveLogs?: Redis;
  private eventsWorker?: Worker;
  private servicesWorker?: Worker;
  private lostTimer?: NodeJS.Timeout;
  private stopping = false;

  constructor(private readonly options: BullMQExecutorOptions) {
    if (!Number.isInteger(options.parallelism) || options.parallelism < 1) {
      throw new ValidationError(`Expected \`parallelism\` to be a positive integer, got ${options.parallelism}`);
    }
    this.name = options.name ?? "BullMQExecutor";
  }

  async start(): Promise<void> {
    const { settings } = this.options;
    const checked = await checkRedis(settings.redisUrl);
    if (!checked.ok) throw new ValidationError(checked.error);
    this.connection = checked.value;
    this.redis = openRedis(this.connection);
    const common = { connection: this.connection, prefix: settings.prefix };
    this.eventsWorker = new Worker(EVENTS_QUEUE, async (job: Job<WorkerEvent>) => this.onWorkerEvent(job.data), {
      ...common,
      concurrency: 1,
      removeOnComplete: { count: 0 },
      removeOnFail: { count: 1000 },
    });
    this.servicesWorker = new Worker(
      SERVICES_QUEUE,
      (job: Job<ServiceCall>) => this.options.serviceHandler(job.data.request, job.data.key),
      {
        ...common,
        concurrency: 16,
        removeOnComplete: { age: 3600 },
        removeOnFail: { age: 3600 },
      },
    );
    for (const worker of [this.eventsWorker, this.servicesWorker]) worker.on("error", () => {});
    this.lostTimer = setInterval(() => void this.checkLost().catch(() => {}), settings.heartbeatMs);
    this.liveLogs = openRedis(this.connection);
    await this.liveLogs.subscribe(keys.liveLogs(settings.prefix));
    this.liveLogs.on("message", (_channel: string, text: string) => this.onLiveLog(text));
  }

  get freeSlots(): number {
    return this.stopping ? 0 : Math.max(0, this.options.parallelism - this.inFlight.size);
  }

  onEvent(listener: (event: ExecutorEvent) => void): void {
    this.listeners.push(listener);
  }

  submit(job: TaskJob): void {
    if (this.freeSlots === 0) throw new ExecutorFullError(`${this.name} has no free slot for ${attemptId(job.key)}`);
    const remote = toRemoteJob(job, this.options.folders, this.options.settings.defaultQueue);
    if (!remote.ok) {
      this.writeLog(job.logPath, remote.error);
      queueMicrotask(() =>
        this.emit({
          type: "finished",
          key: job.key,
          result: {
            outcome: { kind: "failed" },
            xcoms: [],
            error: { name: "DagFileLocationError", message: remote.error },
          },
        }),
      );
      return;
    }
    const jobId = jobIdOf(job.key);
    this.inFlight.set(jobId, { job, jobId });
    void this.queueFor(remote.value.queue)
      .add("attempt", remote.value, {
        jobId,
        removeOnComplete: { age: 24 * 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      })
      .catch((error: unknown) =>
        this.failInFlight(
          jobId,
          QueueError,
          `could not put the task on queue ${remote.value.queue}: ${(error as Error).message}`,
        ),
      );
  }

  cancel(key: AttemptKey, reason: string): void {
    const jobId = jobIdOf(key);
    if (!this.inFlight.has(jobId) || !this.redis) return;
    void this.redis
      .publish(keys.cancels(this.options.settings.prefix), JSON.stringify({ jobId, reason }))
      .catch(() => {});
  }

  /** Attempts on workers keep running: a restarted scheduler records them as orphans and retries them. */
  async stop(_graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.lostTimer) clearInterval(this.lostTimer);
    await Promise.all([
      this.eventsWorker?.close(),
      this.servicesWorker?.close(),
      ...[...this.queues.values()].map((queue) => queue.close()),
    ]);
    this.redis?.disconnect();
    this.liveLogs?.disconnect();
  }

  /**
   * Appends a running attempt's new log bytes to the scheduler's copy. A chunk that does not
   * follow the last one (missed while Redis was away) stops the live copy; the finished
   * event brings the whole log anyway.
   */
  private onLiveLog(text: string): void {
    const chunk = parseLogChunk(text);
    const flight = chunk && this.inFlight.get(chunk.jobId);
    if (!chunk || !flight || chunk.offset !== (flight.liveLogBytes ?? 0)) return;
    const bytes = Buffer.from(chunk.data, "base64");
    try {
      if (chunk.offset === 0) writePrivateFile(flight.job.logPath, bytes);
      else appendPrivateFile(flight.job.logPath, bytes);
      flight.liveLogBytes = chunk.offset + bytes.length;
    } catch {
      // The log folder is gone; the outcome is still recorded.
    }
  }

  private queueFor(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(taskQueueName(name), { connection: this.connection!, prefix: this.options.settings.prefix });
      queue.on("error", () => {});
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Events of attempts this scheduler no longer waits for (a duplicate, an older try) are dropped here. */
  private onWorkerEvent(event: WorkerEvent): void {
    const jobId = jobIdOf(event.key);
    const flight = this.inFlight.get(jobId);
    if (!flight) return;
    if (event.type === "started") {
      this.emit({ type: "started", key: flight.job.key, pid: event.pid, hostname: event.hostname });
      return;
    }
    this.inFlight.delete(jobId);
    this.writeLogFile(flight.job.logPath, event.log);
    this.emit({ type: "finished", key: flight.job.key, result: event.result });
  }

  /** Attempts claimed by a worker whose heartbeats stopped are lost: failed, so their retries apply. */
  private async checkLost(): Promise<void> {
    if (!this.redis || this.inFlight.size === 0) return;
    const flights = [...this.inFlight.values()];
    const claims = await claimsOf(
      this.redis,
      this.options.settings.prefix,
      flights.map((flight) => flight.jobId),
    );
    for (const lost of lostAttempts(flights.map((flight, index) => ({ id: flight.jobId, ...claims[index]! })))) {
      this.failInFlight(
        lost.id,
        WorkerLostError,
        `the worker ${lost.workerId} stopped sending heartbeats while it ran this task (killed, or its machine or network went away); recorded as a failed attempt`,
      );
    }
  }

  private failInFlight(jobId: string, kind: new (message: string) => KitelabError, message: string): void {
    const flight = this.inFlight.get(jobId);
    if (!flight) return;
    this.inFlight.delete(jobId);
    this.writeLog(flight.job.logPath, message);
    this.emit({
      type: "finished",
      key: flight.job.key,
      result: { outcome: { kind: "failed" }, xcoms: [], error: errorRecord(kind, message) },
    });
  }

  private emit(event: ExecutorEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private writeLogFile(path: string, text: string): void {
    try {
      writePrivateFile(path, text);
    } catch {
      // The log folder is gone; the scheduler still records the outcome.
    }
  }

  private writeLog(path: string, line: string): void {
    try {
      appendPrivateFile(path, `[${new Date().toISOString()}] ERROR - ${line}\n`);
    } catch {
      // As above.
    }
  }
}
