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
import {
  attemptId,
  isWorkerMessage,
  type AttemptKey,
  type ExecutorEvent,
  type ParentToWorker,
  type TaskJob,
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
  private idleTimer?: NodeJS.Timeout;

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

  get freeSlots(): number {
    if (this.stopping) return 0;
    let free = this.maxWorkers - this.workers.size;
    for (const worker of this.workers) if (!worker.job && !worker.retiring) free += 1;
    return Math.max(0, free);
  }

  onEvent(listener: (event: ExecutorEvent) => void): void {
    this.listeners.push(listener);
  }

  submit(job: TaskJob): void {
    const idle = [...this.workers].filter((candidate) => !candidate.job && !candidate.retiring);
    const worker =
      idle.find((candidate) => candidate.ready) ??
      idle[0] ??
      (this.workers.size < this.maxWorkers && !this.stopping ? this.spawnWorker().worker : undefined);
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
        `${reason}; the task did not stop within ${this.options.cancelGraceMs ?? 3000} ms, so its worker (pid ${worker.child.pid}) was killed`,
      );
      worker.child.kill("SIGKILL");
    }, this.options.cancelGraceMs ?? 3000);
  }

  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.idleTimer) clearInterval(this.idleTimer);
    const deadline = Date.now() + graceMs;
    while ([...this.workers].some((worker) => worker.job) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const exits = [...this.workers].map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.child.exitCode !== null || worker.child.signalCode !== null) return resolve();
          worker.child.once("exit", () => resolve());
          if (worker.job) worker.child.kill("SIGKILL");
          else this.post(worker, { type: "shutdown" });
          setTimeout(() => worker.child.kill("SIGKILL"), 1000).unref();
        }),
    );
    await Promise.all(exits);
  }

  private spawnWorker(): { worker: Worker; ready: Promise<void> } {
    const child = fork(WORKER_MAIN, [], {
      execArgv: [...childLoaderArgs(), `--max-old-space-size=${this.options.workerMaxOldSpaceMb ?? 1024}`],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "json",
      // Its own process group: the worker and what its tasks start end together, by group.
      detached: true,
      env: { ...process.env, [OWNER_ENV]: this.owner },
    });
    const worker: Worker = { child, ready: false, idleSince: Date.now() };
    this.workers.add(worker);
    const ready = new Promise<void>((resolve) => {
      child.on("message", (message: unknown) => {
        if (!isWorkerMessage(message)) return;
        if (message.type === "ready") {
          worker.ready = true;
          resolve();
          if (worker.job) this.post(worker, { type: "run", job: worker.job });
          return;
        }
        this.handle(worker, message);
      });
      child.on("exit", (code, signal) => {
        resolve();
        this.workers.delete(worker);
        if (worker.killTimer) clearTimeout(worker.killTimer);
        const job = worker.job;
        // Whatever the worker or its attempt started dies with it.
        if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
        if (job) killAttemptLeftovers({ [OWNER_ENV]: this.owner, [ATTEMPT_ENV]: attemptId(job.key) });
        if (job) {
          const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
          const message = worker.cancelReason
            ? `${worker.cancelReason} (the worker ${how})`
            : `the worker process running this task ${how}: the task called process.exit, crashed or ran out of memory`;
          this.writeLog(job, message);
          this.emit({
            type: "finished",
            key: job.key,
            result: workerDiedResult(message, worker.cancelReason !== undefined),
          });
        }
        // Keep the warm ones; others start again when tasks need them.
        if (!this.stopping && [...this.workers].filter((other) => !other.retiring).length < this.warmWorkers)
          this.spawnWorker();
      });
    });
    return { worker, ready };
  }

  private handle(worker: Worker, message: WorkerToParent): void {
    const job = worker.job;
    if (!job) return;
    switch (message.type) {
      case "started":
        this.emit({ type: "started", key: job.key, pid: message.pid, hostname: this.host });
        return;
      case "finished": {
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
      case "service-request":
        this.options.serviceHandler(message.method, message.args, job.key).then(
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

function workerDiedResult(message: string, timedOut: boolean): AttemptResult {
  return {
    outcome: { kind: "failed" },
    xcoms: [],
    error: errorRecord(timedOut ? TaskTimeoutError : WorkerDiedError, message),
  };
}
