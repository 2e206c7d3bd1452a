import { appendPrivateFile } from "../util/privateFiles.js";
import { fork, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { availableParallelism, hostname, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import {
  errorRecord,
  ExecutorFullError,
  serializeError,
  TaskTimeoutError,
  WorkerDiedError,
  ValidationError,
} from "../errors.js";
import type { AttemptResult } from "../runtime/attempt.js";
import { ATTEMPT_ENV, OWNER_ENV, killAttemptLeftovers, reapOrphans, signalGroup } from "./attemptProcesses.js";
import type { Executor, ServiceHandler } from "./executor.js";
import { childLoaderArgs } from "../loader/typescript.js";
import { poolSize } from "./poolSize.js";
import { StallWatch } from "./stalledWorkers.js";
import { exitedForMemory, heapCapArgs, MEMORY_LIMIT_ENV } from "../util/memoryCap.js";
import {
  attemptId,
  isWorkerMessage,
  type AttemptKey,
  type ExecutorEvent,
  type ParentToWorker,
  type TaskJob,
  unreachable,
  type WorkerToParent,
} from "./protocol.js";

export interface LocalExecutorOptions {
  /** Tasks running at once (`[core] parallelism`); each runs in its own worker process. */
  parallelism: number;
  /** Most worker processes; workers start as tasks need them. @default parallelism, bounded by the machine's cores and memory (poolSize) */
  maxWorkers?: number;
  /** Workers started with the pool and kept when idle. @default 2 (or maxWorkers if fewer) */
  warmWorkers?: number;
  /** A worker beyond the warm ones that has had no task this long is retired. @default 60000 */
  idleRetireMs?: number;
  serviceHandler: ServiceHandler;
  /** After a cancel (timeout), how long an attempt may take to stop before its worker is killed. @default 3000 */
  cancelGraceMs?: number;
  /** Heap limit of each worker, so a runaway task dies alone. @default 1024 */
  workerMaxOldSpaceMb?: number;
  /**
   * Memory each worker may hold, heap and Buffers (`[core] worker_memory_limit_mb`); over it,
   * the worker ends and its task fails saying so. Replaces workerMaxOldSpaceMb. @default no cap beyond the heap's
   */
  workerMemoryLimitMb?: number;
  /** After SIGTERM, how long a worker's process group may take to end before SIGKILL. @default 2000 */
  stopGraceMs?: number;
  /** Workers that die before they are ready, in a row, after which no more are started. @default 5 */
  maxStartFailures?: number;
  /** Wait before restarting after the first start failure; doubles with each further one, up to 30 s. @default 500 */
  restartBackoffMs?: number;
  /** How long every slot must be held by stopped, zombie or vanished workers before `problem` says so. @default 10000 */
  stallReportMs?: number;
  /** @default "LocalExecutor" */
  name?: string;
  /**
   * Marks every process the workers and their tasks start (the Kitelab home). On start,
   * processes carrying this mark are a crashed scheduler's orphans and are killed first.
   * @default a fresh id (nothing to reap)
   */
  processOwner?: string;
}

interface Worker {
  child: ChildProcess;
  ready: boolean;
  /** Why it could not start, as its `init-failed` message said. */
  initFailure?: string;
  /** The last of what it wrote to stderr before it was ready: why node itself could not start it. */
  startupStderr: string;
  /** SIGTERM was sent to its process group; SIGKILL follows at this timer. */
  terminateTimer?: NodeJS.Timeout;
  job?: TaskJob;
  /** Task code left it in doubt: it takes no more jobs and is replaced. */
  retiring?: boolean;
  killTimer?: NodeJS.Timeout;
  cancelReason?: string;
  idleSince: number;
}

const WORKER_MAIN = fileURLToPath(
  new URL(import.meta.url.endsWith(".ts") ? "./workerMain.ts" : "./workerMain.js", import.meta.url),
);

/**
 * A pool of long-lived worker processes (Airflow's LocalExecutor). A task that throws,
 * hangs past its timeout, exits its process or runs out of memory costs that attempt only:
 * the worker is replaced.
 */
export class LocalExecutor implements Executor {
  readonly name: string;
  private readonly workers = new Set<Worker>();
  private readonly listeners: Array<(event: ExecutorEvent) => void> = [];
  private stopping = false;
  private readonly host = hostname();
  private readonly owner: string;
  private readonly maxWorkers: number;
  private readonly warmWorkers: number;
  private readonly stalls: StallWatch;
  private idleTimer?: NodeJS.Timeout;
  /** Workers in a row that died before they were ready; a ready worker resets it. */
  private startFailures = 0;
  /** Set while waiting to start a worker again after a start failure. */
  private restartTimer?: NodeJS.Timeout;
  /** Jobs accepted while workers fail to start: each waits for a worker once one starts again. */
  private readonly backlog: TaskJob[] = [];
  /** Set once workers failed to start `maxStartFailures` times in a row: no more are started. */
  private gaveUp?: string;

  constructor(private readonly options: LocalExecutorOptions) {
    if (!Number.isInteger(options.parallelism) || options.parallelism < 1) {
      throw new ValidationError(`Expected \`parallelism\` to be a positive integer, got ${options.parallelism}`);
    }
    this.name = options.name ?? "LocalExecutor";
    this.owner = options.processOwner ?? `executor-${process.pid}-${randomUUID()}`;
    const fitted = poolSize(options.parallelism, {
      cores: availableParallelism(),
      totalMemoryMb: totalmem() / 2 ** 20,
    });
    this.maxWorkers = Math.min(options.parallelism, options.maxWorkers ?? fitted.maxWorkers);
    this.warmWorkers = Math.min(this.maxWorkers, options.warmWorkers ?? fitted.warmWorkers);
    this.stalls = new StallWatch(options.stallReportMs ?? 10_000);
  }

  /** Why this executor cannot run tasks (its workers cannot start), or undefined when it can. */
  get problem(): string | undefined {
    if (this.gaveUp !== undefined || this.stopping) return this.gaveUp;
    const held = [...this.workers]
      .filter((worker) => worker.job)
      .map((worker) => ({
        pid: worker.child.pid,
        connected: worker.child.connected,
        task: attemptId(worker.job!.key),
      }));
    return this.stalls.check(held, this.maxWorkers);
  }

  /** Worker processes alive now. */
  get workerCount(): number {
    return this.workers.size;
  }

  async start(): Promise<void> {
    const reaped = await reapOrphans(this.owner);
    if (reaped.length > 0)
      process.stderr.write(
        `kitelab: killed ${reaped.length} process(es) left by an earlier scheduler's tasks (pids ${reaped.join(", ")})\n`,
      );
    // Not awaited: the warm workers load while the scheduler lists the DAG files, and a task
    // given to a worker that is still loading starts when it is ready.
    for (let index = 0; index < this.warmWorkers; index += 1) this.spawnWorker();
    const idleRetireMs = this.options.idleRetireMs ?? 60_000;
    this.idleTimer = setInterval(() => this.retireIdle(idleRetireMs), Math.max(50, idleRetireMs / 2));
    this.idleTimer.unref();
  }

  /** Workers beyond the warm ones that have been idle for `idleMs` are shut down. */
  private retireIdle(idleMs: number): void {
    const idle = [...this.workers].filter(
      (worker) => !worker.job && !worker.retiring && worker.ready && Date.now() - worker.idleSince >= idleMs,
    );
    let surplus = [...this.workers].filter((worker) => !worker.retiring).length - this.warmWorkers;
    for (const worker of idle) {
      if (surplus <= 0) return;
      worker.retiring = true;
      this.post(worker, { type: "shutdown" });
      surplus -= 1;
    }
  }

  /**
   * A new worker may start now. After a start failure only one worker at a time tries (a
   * probe), after the backoff; the others start once it is ready.
   */
  private get maySpawn(): boolean {
    if (this.stopping || this.gaveUp !== undefined) return false;
    if (this.startFailures === 0) return true;
    return this.restartTimer === undefined && [...this.workers].every((worker) => worker.ready);
  }

  get freeSlots(): number {
    if (this.stopping) return 0;
    // Given up: every job is answered at once with the reason, so the tasks fail saying what to fix.
    if (this.gaveUp !== undefined) return this.maxWorkers;
    let free = this.maxWorkers - this.workers.size - this.backlog.length;
    for (const worker of this.workers) if (!worker.job && !worker.retiring) free += 1;
    return Math.max(0, free);
  }

  onEvent(listener: (event: ExecutorEvent) => void): void {
    this.listeners.push(listener);
  }

  submit(job: TaskJob): void {
    if (this.gaveUp !== undefined && !this.stopping) {
      const reason = this.gaveUp;
      this.writeLog(job, reason);
      // Reported after submit returns, as a worker's result would be.
      setImmediate(() => this.emit({ type: "finished", key: job.key, result: workerDiedResult(reason, false) }));
      return;
    }
    const idle = [...this.workers].filter((candidate) => !candidate.job && !candidate.retiring);
    const room = !this.stopping && this.workers.size + this.backlog.length < this.maxWorkers;
    let worker = idle.find((candidate) => candidate.ready) ?? idle[0];
    if (!worker && room && this.maySpawn) worker = this.spawnWorker().worker;
    else if (!worker && room && this.startFailures > 0) {
      // Workers are failing to start: the job waits for the next one that does.
      this.backlog.push(job);
      return;
    }
    if (!worker || this.stopping)
      throw new ExecutorFullError(`${this.name} has no free worker for ${attemptId(job.key)}`);
    worker.job = job;
    if (worker.ready) this.post(worker, { type: "run", job });
  }

  cancel(key: AttemptKey, reason: string): void {
    const id = attemptId(key);
    const worker = [...this.workers].find((candidate) => candidate.job && attemptId(candidate.job.key) === id);
    if (!worker || worker.killTimer) return;
    worker.cancelReason = reason;
    this.post(worker, { type: "cancel", attemptId: id, reason });
    worker.killTimer = setTimeout(() => {
      this.writeLog(
        worker.job,
        `${reason}; the task did not stop within ${this.options.cancelGraceMs ?? 3000} ms, so its worker (pid ${worker.child.pid}) was stopped (SIGTERM, then SIGKILL after ${this.stopGraceMs} ms)`,
      );
      this.terminate(worker);
    }, this.options.cancelGraceMs ?? 3000);
  }

  private get stopGraceMs(): number {
    return this.options.stopGraceMs ?? 2000;
  }

  /**
   * Stops a worker and everything in its process group (the attempt's children): SIGTERM,
   * so they can end cleanly, then SIGKILL after the grace period for whatever is still there.
   */
  private terminate(worker: Worker): void {
    const pid = worker.child.pid;
    if (pid === undefined || worker.terminateTimer || hasExited(worker.child)) return;
    signalGroup(pid, "SIGTERM");
    worker.terminateTimer = setTimeout(() => signalGroup(pid, "SIGKILL"), this.stopGraceMs);
  }

  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.idleTimer) clearInterval(this.idleTimer);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.failBacklog(`${this.name} stopped before a worker could start this task`);
    const deadline = Date.now() + graceMs;
    while ([...this.workers].some((worker) => worker.job) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const exits = [...this.workers].map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (hasExited(worker.child)) return resolve();
          worker.child.once("exit", () => resolve());
          if (worker.job || !worker.ready) this.terminate(worker);
          else {
            this.post(worker, { type: "shutdown" });
            setTimeout(() => this.terminate(worker), 1000).unref();
          }
        }),
    );
    await Promise.all(exits);
  }

  private spawnWorker(): { worker: Worker; ready: Promise<void> } {
    const memoryLimitMb = this.options.workerMemoryLimitMb;
    const child = fork(WORKER_MAIN, [], {
      execArgv: [
        ...childLoaderArgs(),
        ...(memoryLimitMb
          ? heapCapArgs(memoryLimitMb)
          : [`--max-old-space-size=${this.options.workerMaxOldSpaceMb ?? 1024}`]),
      ],
      // stderr is piped (and passed on) so that why node could not start a worker can be told.
      stdio: ["ignore", "inherit", "pipe", "ipc"],
      serialization: "json",
      // Its own process group: the worker and what its tasks start end together, by group.
      detached: true,
      env: {
        ...process.env,
        [OWNER_ENV]: this.owner,
        ...(memoryLimitMb ? { [MEMORY_LIMIT_ENV]: String(memoryLimitMb) } : {}),
      },
    });
    const worker: Worker = { child, ready: false, idleSince: Date.now(), startupStderr: "" };
    this.workers.add(worker);
    child.stderr?.on("data", (chunk: Buffer) => {
      process.stderr.write(chunk);
      if (!worker.ready) worker.startupStderr = (worker.startupStderr + chunk.toString("utf8")).slice(-2000);
    });
    const ready = new Promise<void>((resolve) => {
      child.on("message", (message: unknown) => {
        if (!isWorkerMessage(message)) return;
        this.handle(worker, message);
        if (message.type === "ready") resolve();
      });
      let ended = false;
      const onEnd = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
        if (ended) return;
        ended = true;
        resolve();
        this.onWorkerEnd(worker, code, signal, spawnError);
      };
      child.on("exit", (code, signal) => onEnd(code, signal));
      // fork could not even start the process (no memory, too many processes): no exit follows.
      child.on("error", (error) => {
        if (child.pid === undefined) onEnd(null, null, error);
      });
    });
    return { worker, ready };
  }

  private onWorkerEnd(
    worker: Worker,
    code: number | null,
    signal: NodeJS.Signals | null,
    spawnError: Error | undefined,
  ): void {
    const child = worker.child;
    this.workers.delete(worker);
    if (worker.killTimer) clearTimeout(worker.killTimer);
    if (worker.terminateTimer) clearTimeout(worker.terminateTimer);
    const job = worker.job;
    // Whatever the worker or its attempt started dies with it.
    if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
    if (job) killAttemptLeftovers({ [OWNER_ENV]: this.owner, [ATTEMPT_ENV]: attemptId(job.key) });
    const how = spawnError
      ? `could not be started (${spawnError.message})`
      : signal
        ? `was killed by ${signal}`
        : `exited with code ${code}`;
    if (!worker.ready && !this.stopping && !worker.retiring) {
      this.onStartFailure(worker, job, how);
      return;
    }
    if (job) {
      const memoryLimitMb = this.options.workerMemoryLimitMb;
      const message = worker.cancelReason
        ? `${worker.cancelReason} (the worker ${how})`
        : memoryLimitMb && exitedForMemory(code, signal)
          ? `the task used more than ${memoryLimitMb} MB of memory (heap and Buffers), so its worker process was ended; use less (stream or chunk the data) or raise [core] worker_memory_limit_mb`
          : `the worker process running this task ${how}: the task called process.exit, crashed or ran out of memory`;
      this.writeLog(job, message);
      this.emit({
        type: "finished",
        key: job.key,
        result: workerDiedResult(message, worker.cancelReason !== undefined),
      });
    }
    // Keep the warm ones; others start again when tasks need them.
    this.refillWarm();
  }

  /** Starts workers until the warm ones are back, when starting workers is allowed now. */
  private refillWarm(): void {
    while (this.maySpawn && [...this.workers].filter((other) => !other.retiring).length < this.warmWorkers)
      this.spawnWorker();
  }

  /**
   * A worker died before it was ready: its job fails with the reason, and workers are started
   * again after a backoff that doubles each time, until `maxStartFailures` in a row, after which
   * the executor gives up and says so (every later job fails with that reason at once).
   */
  private onStartFailure(worker: Worker, job: TaskJob | undefined, how: string): void {
    this.startFailures += 1;
    const stderr = gistOf(worker.startupStderr);
    const reason =
      worker.initFailure ??
      `a worker process ${how} before it was ready${stderr ? ` (its stderr: ${stderr})` : ""}; check NODE_OPTIONS and the kitelab installation, then restart the scheduler`;
    if (job) {
      const message = `the worker process for this task could not start: ${reason}`;
      this.writeLog(job, message);
      this.emit({ type: "finished", key: job.key, result: workerDiedResult(message, false) });
    }
    const limit = this.options.maxStartFailures ?? 5;
    if (this.startFailures >= limit) {
      if (this.gaveUp === undefined) {
        this.gaveUp = `${this.name} stopped starting worker processes after ${this.startFailures} in a row failed to start: ${reason}`;
        process.stderr.write(`kitelab: ${this.gaveUp}\n`);
        this.failWaitingJobs(this.gaveUp);
      }
      return;
    }
    if (this.restartTimer) return;
    const base = this.options.restartBackoffMs ?? 500;
    const delay = Math.min(30_000, base * 2 ** (this.startFailures - 1));
    process.stderr.write(
      `kitelab: a worker process failed to start (${this.startFailures} in a row); trying again in ${delay} ms: ${reason}\n`,
    );
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.maySpawn) return;
      // One worker tries first, with the oldest waiting job if any; the rest follow once it is ready.
      const job = this.backlog.shift();
      if (job || this.warmWorkers > 0) this.spawnWorker().worker.job = job;
    }, delay);
    this.restartTimer.unref();
  }

  private failBacklog(reason: string): void {
    for (const job of this.backlog.splice(0)) {
      this.writeLog(job, reason);
      this.emit({ type: "finished", key: job.key, result: workerDiedResult(reason, false) });
    }
  }

  /** Hands the jobs that waited out start failures to new workers, now that workers start again. */
  private drainBacklog(): void {
    while (this.backlog.length > 0 && this.maySpawn && this.workers.size < this.maxWorkers)
      this.spawnWorker().worker.job = this.backlog.shift();
  }

  /** After giving up: jobs waiting for a worker, or handed to one still starting, fail with the reason too. */
  private failWaitingJobs(reason: string): void {
    this.failBacklog(reason);
    for (const worker of this.workers) {
      if (worker.ready || !worker.job) continue;
      const job = worker.job;
      worker.job = undefined;
      this.writeLog(job, reason);
      this.emit({ type: "finished", key: job.key, result: workerDiedResult(reason, false) });
    }
  }

  private handle(worker: Worker, message: WorkerToParent): void {
    switch (message.type) {
      case "ready":
        worker.ready = true;
        worker.startupStderr = "";
        this.startFailures = 0;
        if (worker.job) this.post(worker, { type: "run", job: worker.job });
        this.drainBacklog();
        this.refillWarm();
        return;
      case "init-failed":
        // It exits next; its exit counts the start failure with this reason.
        worker.initFailure = message.reason;
        return;
      case "started": {
        if (!worker.job) return;
        this.emit({ type: "started", key: worker.job.key, pid: message.pid, hostname: this.host });
        return;
      }
      case "finished": {
        const job = worker.job;
        if (!job) return;
        if (worker.killTimer) clearTimeout(worker.killTimer);
        worker.killTimer = undefined;
        const reason = worker.cancelReason;
        worker.cancelReason = undefined;
        worker.job = undefined;
        worker.idleSince = Date.now();
        if (message.retire) {
          worker.retiring = true;
          this.post(worker, { type: "shutdown" });
        }
        const result =
          reason && message.result.outcome.kind === "failed"
            ? { ...message.result, error: errorRecord(TaskTimeoutError, reason) }
            : message.result;
        this.emit({ type: "finished", key: job.key, result });
        return;
      }
      case "service-request": {
        const job = worker.job;
        if (!job) return;
        this.options.serviceHandler(message.request, job.key).then(
          (value) => this.post(worker, { type: "service-reply", requestId: message.requestId, ok: true, value }),
          (error: unknown) =>
            this.post(worker, {
              type: "service-reply",
              requestId: message.requestId,
              ok: false,
              error: serializeError(error),
            }),
        );
        return;
      }
      default:
        unreachable(message, "message from a worker");
    }
  }

  private post(worker: Worker, message: ParentToWorker): void {
    if (worker.child.connected) worker.child.send(message);
  }

  private emit(event: ExecutorEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private writeLog(job: TaskJob | undefined, line: string): void {
    if (!job) return;
    try {
      appendPrivateFile(job.logPath, `[${new Date().toISOString()}] ERROR - ${line}\n`);
    } catch {
      // The log folder is gone; the scheduler still records the failure.
    }
  }
}

/** The line of a process's dying words that says why: its error, or else its last line. */
function gistOf(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !/^Node\.js v\d/.test(line));
  return (lines.find((line) => /^(\w*Error\b|Error \[)/.test(line)) ?? lines.at(-1) ?? "").slice(0, 500);
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function workerDiedResult(message: string, timedOut: boolean): AttemptResult {
  return {
    outcome: { kind: "failed" },
    xcoms: [],
    error: errorRecord(timedOut ? TaskTimeoutError : WorkerDiedError, message),
  };
}
