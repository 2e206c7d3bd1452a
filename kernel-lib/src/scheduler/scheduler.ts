import { EventEmitter } from "node:events";
import { ValidationError } from "../errors.js";
import { hostname } from "node:os";
import type { SerializedDag, SerializedTask } from "../dag/serialize.js";
import { engineDagOf } from "../dag/serialize.js";
import { applyAttemptOutcome, decideRun, type EngineDag, type StateChange } from "../engine/runEngine.js";
import {
  isActive,
  patchesForRunState,
  patchesForTaskState,
  type MarkableRunState,
  type MarkableTaskState,
  type MarkPatch,
} from "../engine/markState.js";
import type { Executor, ServiceHandler } from "../executor/executor.js";
import type { AttemptKey, ExecutorEvent, TaskJob } from "../executor/protocol.js";
import { DagProcessor } from "../dagbag/dagProcessor.js";
import type { DagBagView } from "../dagbag/dagBag.js";
import type { DagRunRecord, TaskInstanceRecord } from "../records.js";
import type { DagRunType } from "../states.js";
import { createTimetable, type RunInfo } from "../timetable/index.js";
import type { AttemptResult } from "../runtime/attempt.js";
import type { OutgoingEmail, TaskServices } from "../dag/context.js";
import { runIdFor } from "../runtime/runIds.js";
import { admitTasks, type Candidate } from "./admission.js";
import { realClock, type Clock } from "../clock/clock.js";
import { taskLogPath } from "./logPaths.js";
import type { SchedulerStore } from "./schedulerStore.js";

/** What the scheduler needs from `airflow.cfg`, already parsed. Durations in milliseconds. */
export interface SchedulerSettings {
  dagFolders: string[];
  listIntervalMs: number;
  importTimeoutMs: number;
  parallelism: number;
  maxActiveTasksPerDag: number;
  maxActiveRunsPerDag: number;
  catchupByDefault: boolean;
  pausedAtCreation: boolean;
  heartbeatMs: number;
  semantics: "airflow2" | "airflow3";
  baseLogFolder: string;
  xcomMaxBytes: number;
}

export interface TaskFinishedEvent {
  dag: SerializedDag;
  run: DagRunRecord;
  taskInstance: TaskInstanceRecord;
  /** success, failed, up_for_retry or skipped */
  state: TaskInstanceRecord["state"];
  error?: AttemptResult["error"];
}

export interface RunFinishedEvent {
  dag: SerializedDag;
  run: DagRunRecord;
  taskInstances: TaskInstanceRecord[];
}

export interface SchedulerEvents {
  "task-finished": [TaskFinishedEvent];
  "run-finished": [RunFinishedEvent];
  "dags-changed": [DagBagView];
  "task-started": [{ dagId: string; runId: string; taskId: string; tryNumber: number; at: number }];
}

export interface TriggerRequest {
  conf?: Record<string, unknown>;
  logicalDate?: Date;
  runId?: string;
  runType?: DagRunType;
  /** For backfill runs: the interval the run covers. */
  interval?: RunInfo;
}

/**
 * The long-running heart: turns timetables into DAG runs, the engine's decisions into task
 * attempts on the executor, and executor events into durable state. Event-driven: a task's
 * end is handled at once (its downstream tasks are queued in the same turn), and timers
 * cover retries, timeouts and the next scheduled run.
 */
export class Scheduler {
  readonly events = new EventEmitter<SchedulerEvents>();
  private readonly engines = new Map<string, { dag: SerializedDag; engine: EngineDag }>();
  private readonly running = new Map<string, { key: AttemptKey; pool: string; poolSlots: number }>();
  private processor?: DagProcessor;
  private serial: Promise<unknown> = Promise.resolve();
  private readonly effects: Array<() => void> = [];
  private wakeTimer?: NodeJS.Timeout;
  private heartbeatTimer?: NodeJS.Timeout;
  private stopped = false;
  private readonly host = hostname();

  constructor(
    private readonly store: SchedulerStore,
    private readonly executor: Executor,
    private readonly settings: SchedulerSettings,
    /** Decides which scheduled runs are due and a manual run's logical date; all else is real time. */
    readonly clock: Clock = realClock(),
  ) {
    this.executor.onEvent((event) => this.enqueue(() => this.onExecutorEvent(event)));
    this.stopWatchingClock = clock.onChange(() => this.kick());
  }

  private readonly stopWatchingClock: () => void;

  /** Real time, for everything but the timetable: heartbeats, task starts and ends, retries, timeouts. */
  private now(): Date {
    return new Date();
  }

  /** The handler the executor uses for task service requests (trigger a DAG). */
  readonly serviceHandler: ServiceHandler = async (method, args) => {
    if (method === "triggerDagRun") {
      const request = args as {
        dagId: string;
        conf: Record<string, unknown>;
        logicalDate?: string;
        waitForCompletion: boolean;
        pokeIntervalMs: number;
      };
      const run = await this.trigger(request.dagId, {
        conf: request.conf,
        logicalDate: request.logicalDate ? new Date(request.logicalDate) : undefined,
      });
      if (!request.waitForCompletion) return { dagId: run.dagId, runId: run.runId, state: run.state };
      const final = await this.waitForRun(run.dagId, run.runId);
      return { dagId: final.dagId, runId: final.runId, state: final.state };
    }
    if (method === "sendEmail") {
      if (!this.mailer) return { delivered: false, detail: "this scheduler sends no mail (no notifier is configured)" };
      return this.mailer(args as OutgoingEmail);
    }
    throw new Error(`the scheduler has no handler for ${method}`);
  };

  private mailer?: TaskServices["sendEmail"];

  /** Where EmailOperator's messages go (the notifier). */
  useMailer(mailer: TaskServices["sendEmail"]): void {
    this.mailer = mailer;
  }

  async start(): Promise<void> {
    await this.recoverOrphans();
    this.processor = new DagProcessor({
      folders: this.settings.dagFolders,
      listIntervalMs: this.settings.listIntervalMs,
      importTimeoutMs: this.settings.importTimeoutMs,
      onChange: (view) => this.enqueue(() => this.onDagBagChange(view)),
    });
    await this.processor.start();
    // Queued behind the first DAG bag change, so start() resolves with the DAGs listed.
    await this.enqueue(() => this.beat());
    this.heartbeatTimer = setInterval(() => void this.enqueue(() => this.beat()), this.settings.heartbeatMs);
    this.kick();
  }

  /** Stops scheduling; running attempts get `graceMs`, then are recorded as failed or up for retry. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopped = true;
    this.stopWatchingClock();
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    await this.processor?.stop();
    await this.executor.stop(graceMs);
    await this.serial;
  }

  /** Creates a manual run now (Airflow's `dags trigger`). */
  trigger(dagId: string, request: TriggerRequest = {}): Promise<DagRunRecord> {
    return this.enqueue(async () => {
      const dag = this.requireDag(dagId);
      const runType = request.runType ?? "manual";
      let logicalDate = request.logicalDate ?? this.clock.now();
      // "Now" twice in the same millisecond (a script triggering in a loop): the next millisecond.
      while (
        request.logicalDate === undefined &&
        request.runId === undefined &&
        this.store.getRun(dagId, runIdFor(runType, logicalDate))
      ) {
        logicalDate = new Date(logicalDate.getTime() + 1);
      }
      const info = request.interval ??
        this.timetableOf(dag)?.manualRun(logicalDate) ?? {
          logicalDate,
          dataIntervalStart: logicalDate,
          dataIntervalEnd: logicalDate,
          runAfter: logicalDate,
        };
      const runId = request.runId ?? runIdFor(runType, runType === "manual" ? logicalDate : info.logicalDate);
      if (this.store.getRun(dagId, runId))
        throw new Error(`DAG '${dagId}' already has a run '${runId}'; choose another run id or logical date`);
      const run = await this.createRun(
        dag,
        runType === "manual" ? { ...info, logicalDate } : info,
        runType,
        runId,
        request.conf ?? {},
      );
      this.kick();
      return run;
    });
  }

  /**
   * Creates a backfill run for every interval whose logical date lies in [start, end]
   * (Airflow's `dags backfill`). Runs start as maxActiveRuns allows, whether or not the DAG is
   * paused (its paused state is left as it is); existing runs are kept.
   */
  backfill(dagId: string, start: Date, end: Date, conf: Record<string, unknown> = {}): Promise<DagRunRecord[]> {
    return this.enqueue(async () => {
      const dag = this.requireDag(dagId);
      if (dag.schedule === null)
        throw new ValidationError(
          `DAG '${dagId}' has schedule null (manual only), so it has no intervals to backfill; trigger it instead`,
        );
      if (end < start)
        throw new ValidationError(`--end-date ${end.toISOString()} is before --start-date ${start.toISOString()}`);
      const dagStart = new Date(dag.startDate ?? start);
      const timetable = createTimetable({
        schedule: dag.schedule,
        startDate: start > dagStart ? start : dagStart,
        endDate: dag.endDate ? new Date(dag.endDate) : undefined,
        catchup: true,
        timezone: dag.timezone,
        semantics: dag.scheduleSemantics ?? this.settings.semantics,
      });
      if (!timetable.ok) throw new Error(timetable.error);
      const runs: DagRunRecord[] = [];
      let last: { start: Date; end: Date } | null = null;
      const far = new Date(end.getTime() + 400 * 86_400_000);
      for (let guard = 0; guard < 10_000; guard += 1) {
        const next = timetable.value.nextRun(last, far);
        if (!next || next.logicalDate > end) break;
        last = { start: next.dataIntervalStart, end: next.dataIntervalEnd };
        const runId = runIdFor("backfill", next.logicalDate);
        const existing =
          this.store.getRun(dagId, runId) ?? this.store.getRun(dagId, runIdFor("scheduled", next.logicalDate));
        runs.push(existing ?? (await this.createRun(dag, next, "backfill", runId, conf)));
      }
      if (runs.length === 0)
        throw new ValidationError(
          `DAG '${dagId}' has no interval with a logical date between ${start.toISOString()} and ${end.toISOString()}`,
        );
      this.kick();
      return runs;
    });
  }

  /** Resolves when the run reaches success or failed. */
  waitForRun(dagId: string, runId: string): Promise<DagRunRecord> {
    const current = this.store.getRun(dagId, runId);
    if (current && (current.state === "success" || current.state === "failed")) return Promise.resolve(current);
    return new Promise((resolve) => {
      const listener = (event: RunFinishedEvent) => {
        if (event.run.dagId === dagId && event.run.runId === runId) {
          this.events.off("run-finished", listener);
          resolve(event.run);
        }
      };
      this.events.on("run-finished", listener);
    });
  }

  /** Clears task instances so they run again; their run goes back to running. */
  clear(dagId: string, runId: string, taskIds?: readonly string[]): Promise<number> {
    return this.enqueue(async () => {
      const run = this.store.getRun(dagId, runId);
      if (!run) throw new Error(`DAG '${dagId}' has no run '${runId}'`);
      const instances = this.store.taskInstances(dagId, runId).filter((ti) => !taskIds || taskIds.includes(ti.taskId));
      const patches = instances
        .filter((ti) => ti.state !== "running" && ti.state !== "queued")
        .map((ti) => ({
          taskId: ti.taskId,
          state: "none" as const,
          nextRetryAt: undefined,
          endDate: undefined,
          error: undefined,
          maxTries: ti.tryNumber + (this.engines.get(dagId)?.engine.tasks.get(ti.taskId)?.retries ?? 0) + 1,
        }));
      void this.store.updateTaskInstances(dagId, runId, patches);
      for (const patch of patches) void this.store.clearXComs(dagId, runId, patch.taskId);
      void this.store.updateRun(dagId, runId, { state: "queued", endDate: undefined });
      this.kick();
      return patches.length;
    });
  }

  /** Airflow's "mark run as" (success, failed, queued); attempts still running are cancelled. */
  setRunState(dagId: string, runId: string, state: MarkableRunState): Promise<DagRunRecord> {
    return this.enqueue(async () => {
      const run = this.requireRun(dagId, runId);
      const now = this.now();
      await this.applyMarks(
        run,
        patchesForRunState(this.store.taskInstances(dagId, runId), state, now),
        `its DAG run was marked ${state}`,
      );
      const finished = state !== "queued";
      void this.store.updateRun(
        dagId,
        runId,
        finished ? { state, endDate: now.toISOString() } : { state, endDate: undefined },
      );
      const updated = this.store.getRun(dagId, runId)!;
      if (finished) {
        const dag = this.engineFor(dagId)?.dag;
        const taskInstances = this.store.taskInstances(dagId, runId);
        if (dag) this.afterCommit(() => this.events.emit("run-finished", { dag, run: updated, taskInstances }));
      }
      this.kick();
      return updated;
    });
  }

  /** Airflow's "mark task instance as" (success, failed, skipped); an attempt still running is cancelled. */
  setTaskInstanceState(
    dagId: string,
    runId: string,
    taskIds: readonly string[],
    state: MarkableTaskState,
  ): Promise<TaskInstanceRecord[]> {
    return this.enqueue(async () => {
      const run = this.requireRun(dagId, runId);
      const patches = patchesForTaskState(this.store.taskInstances(dagId, runId), new Set(taskIds), state, this.now());
      await this.applyMarks(run, patches, `it was marked ${state}`);
      this.kick();
      const changed = new Set(patches.map((patch) => patch.taskId));
      return this.store.taskInstances(dagId, runId).filter((ti) => changed.has(ti.taskId));
    });
  }

  /** Leaves a note on a run, or on one of its task instances. */
  setNote(dagId: string, runId: string, taskId: string | undefined, note: string): Promise<void> {
    return this.enqueue(async () => {
      this.requireRun(dagId, runId);
      if (taskId === undefined) void this.store.updateRun(dagId, runId, { note });
      else void this.store.updateTaskInstances(dagId, runId, [{ taskId, note }]);
    });
  }

  private requireRun(dagId: string, runId: string): DagRunRecord {
    const run = this.store.getRun(dagId, runId);
    if (!run) throw new ValidationError(`DAG '${dagId}' has no run '${runId}'`);
    return run;
  }

  private async applyMarks(run: DagRunRecord, patches: readonly MarkPatch[], reason: string): Promise<void> {
    const before = new Map(this.store.taskInstances(run.dagId, run.runId).map((ti) => [ti.taskId, ti]));
    void this.store.updateTaskInstances(run.dagId, run.runId, patches);
    for (const patch of patches) {
      const ti = before.get(patch.taskId);
      if (ti && isActive(ti.state)) {
        this.afterCommit(() =>
          this.executor.cancel(
            { dagId: run.dagId, runId: run.runId, taskId: ti.taskId, tryNumber: ti.tryNumber },
            `Task '${ti.taskId}' was stopped: ${reason}`,
          ),
        );
      }
    }
  }

  async setPaused(dagId: string, paused: boolean): Promise<void> {
    await this.enqueue(() => this.store.setPaused(dagId, paused));
    this.kick();
  }

  /**
   * Runs work one piece at a time, so state changes never interleave. A piece is one turn:
   * its changes are written together (one append and one fsync per run touched), and what
   * it does outside the store (start tasks, tell listeners) happens once they are durable.
   */
  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.serial.then(async () => {
      await this.store.refreshShared?.();
      try {
        return await work();
      } finally {
        await this.store.commit();
        this.runEffects();
      }
    });
    this.serial = next.catch((error: unknown) => {
      process.stderr.write(`scheduler: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    });
    return next;
  }

  /** Defers something the outside world sees until the turn's changes are durable. */
  private afterCommit(effect: () => void): void {
    this.effects.push(effect);
  }

  private runEffects(): void {
    const effects = this.effects.splice(0);
    let failure: unknown;
    for (const effect of effects) {
      try {
        effect();
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }

  /** Asks for a scheduling pass as soon as possible. */
  kick(): void {
    if (this.stopped) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(() => void this.enqueue(() => this.pass()), 0);
  }

  private async beat(): Promise<void> {
    void this.store.heartbeat({ pid: process.pid, hostname: this.host, at: this.now().toISOString() });
  }

  private async onDagBagChange(view: DagBagView): Promise<void> {
    const dags = [...view.dags.values()];
    void this.store.saveDags(dags, (dag) => dag.isPausedUponCreation ?? this.settings.pausedAtCreation);
    void this.store.deactivateDagsExcept(new Set(view.dags.keys()));
    void this.store.setImportErrors(view.importErrors);
    this.engines.clear();
    this.afterCommit(() => this.events.emit("dags-changed", view));
    this.kick();
  }

  /** One scheduling pass over every DAG and active run. */
  private async pass(): Promise<void> {
    if (this.stopped) return;
    const scheduleNow = this.clock.now();
    const now = this.now();
    // Run creation is due on the scheduler's clock; everything else wakes on real time.
    let nextDueRun = Number.POSITIVE_INFINITY;
    for (const status of this.store.dagStatuses()) {
      if (status.isPaused || !status.isActive) continue;
      const dag = this.store.getDag(status.dagId);
      if (dag)
        nextDueRun = Math.min(nextDueRun, await this.createDueRuns(dag, status.lastAutomatedInterval, scheduleNow));
    }
    let nextWake = Number.isFinite(nextDueRun)
      ? Date.now() + this.clock.realDelayUntil(nextDueRun)
      : Number.POSITIVE_INFINITY;
    const candidates: Candidate[] = [];
    let priority = 0;
    for (const run of this.store.activeRuns()) {
      const outcome = await this.advanceRun(run, now);
      nextWake = Math.min(nextWake, outcome.nextWake);
      for (const candidate of outcome.ready) candidates.push({ ...candidate, priority: priority++ });
    }
    await this.startTasks(candidates);
    if (Number.isFinite(nextWake) && !this.stopped) {
      const delay = Math.max(0, Math.min(nextWake - Date.now(), 2 ** 31 - 1));
      if (this.wakeTimer) clearTimeout(this.wakeTimer);
      this.wakeTimer = setTimeout(() => void this.enqueue(() => this.pass()), delay);
    }
  }

  private timetableOf(dag: SerializedDag) {
    const timetable = createTimetable({
      schedule: dag.schedule,
      startDate: new Date(dag.startDate ?? 0),
      endDate: dag.endDate ? new Date(dag.endDate) : undefined,
      catchup: dag.catchup ?? this.settings.catchupByDefault,
      timezone: dag.timezone,
      semantics: dag.scheduleSemantics ?? this.settings.semantics,
    });
    return timetable.ok ? timetable.value : undefined;
  }

  /** Creates the scheduled runs that are due, up to maxActiveRuns. Returns when the next is due. */
  private async createDueRuns(
    dag: SerializedDag,
    last: { start: string; end: string } | undefined,
    now: Date,
  ): Promise<number> {
    if (dag.schedule === null || !dag.startDate) return Number.POSITIVE_INFINITY;
    const timetable = this.timetableOf(dag);
    if (!timetable) return Number.POSITIVE_INFINITY;
    const maxActive = dag.maxActiveRuns ?? this.settings.maxActiveRunsPerDag;
    let active = this.store.activeRuns().filter((run) => run.dagId === dag.dagId).length;
    let lastInterval = last ? { start: new Date(last.start), end: new Date(last.end) } : null;
    while (active < maxActive) {
      const next = timetable.nextRun(lastInterval, now);
      if (!next) return Number.POSITIVE_INFINITY;
      if (next.runAfter > now) return next.runAfter.getTime();
      const runId = runIdFor("scheduled", next.logicalDate);
      if (!this.store.getRun(dag.dagId, runId)) {
        await this.createRun(dag, next, "scheduled", runId, {});
        active += 1;
      }
      lastInterval = { start: next.dataIntervalStart, end: next.dataIntervalEnd };
    }
    return Number.POSITIVE_INFINITY;
  }

  private async createRun(
    dag: SerializedDag,
    info: RunInfo,
    runType: DagRunType,
    runId: string,
    conf: Record<string, unknown>,
  ): Promise<DagRunRecord> {
    const run: DagRunRecord = {
      dagId: dag.dagId,
      runId,
      runType,
      state: "queued",
      logicalDate: info.logicalDate.toISOString(),
      dataIntervalStart: info.dataIntervalStart.toISOString(),
      dataIntervalEnd: info.dataIntervalEnd.toISOString(),
      runAfter: info.runAfter.toISOString(),
      queuedAt: this.now().toISOString(),
      conf,
      externalTrigger: runType === "manual",
    };
    const instances = dag.tasks.map(
      (task): TaskInstanceRecord => ({
        dagId: dag.dagId,
        runId,
        taskId: task.taskId,
        state: "none",
        tryNumber: 0,
        maxTries: task.retries + 1,
        pool: task.pool,
      }),
    );
    void this.store.createRun(run, instances);
    return run;
  }

  private engineFor(dagId: string): { dag: SerializedDag; engine: EngineDag } | undefined {
    const cached = this.engines.get(dagId);
    if (cached) return cached;
    const dag = this.store.getDag(dagId);
    if (!dag) return undefined;
    const entry = { dag, engine: engineDagOf(dag) };
    this.engines.set(dagId, entry);
    return entry;
  }

  private requireDag(dagId: string): SerializedDag {
    const dag = this.store.getDag(dagId);
    if (!dag) {
      const known = this.store.dagStatuses().map((status) => status.dagId);
      throw new Error(`no DAG '${dagId}'${known.length > 0 ? `; known DAGs: ${known.join(", ")}` : ""}`);
    }
    return dag;
  }

  /** Applies the engine's decision to one run; returns its ready tasks and next wake time. */
  private async advanceRun(
    run: DagRunRecord,
    now: Date,
  ): Promise<{ ready: Omit<Candidate, "priority">[]; nextWake: number }> {
    const entry = this.engineFor(run.dagId);
    if (!entry) return { ready: [], nextWake: Number.POSITIVE_INFINITY };
    const { dag, engine } = entry;
    if (run.state === "queued") {
      // As in Airflow, a queued run of a paused DAG (a manual trigger included) waits until the DAG is
      // unpaused; a backfill runs regardless, as `airflow dags backfill` does, and leaves the pause alone.
      const paused = this.store.dagStatuses().find((status) => status.dagId === run.dagId)?.isPaused;
      if (paused && run.runType !== "backfill") return { ready: [], nextWake: Number.POSITIVE_INFINITY };
      const runningRuns = this.store
        .activeRuns()
        .filter((other) => other.dagId === run.dagId && other.state === "running").length;
      if (runningRuns >= (dag.maxActiveRuns ?? this.settings.maxActiveRunsPerDag))
        return { ready: [], nextWake: Number.POSITIVE_INFINITY };
      void this.store.updateRun(run.dagId, run.runId, {
        state: "running",
        startDate: run.startDate ?? now.toISOString(),
      });
      run = { ...run, state: "running" };
    }
    let instances = this.store.taskInstances(run.dagId, run.runId);
    const missing = dag.tasks.filter((task) => !instances.some((ti) => ti.taskId === task.taskId));
    if (missing.length > 0) {
      void this.store.addTaskInstances(
        run.dagId,
        run.runId,
        missing.map((task) => ({
          dagId: run.dagId,
          runId: run.runId,
          taskId: task.taskId,
          state: "none",
          tryNumber: 0,
          maxTries: task.retries + 1,
          pool: task.pool,
        })),
      );
      instances = this.store.taskInstances(run.dagId, run.runId);
    }
    const snapshot = Object.fromEntries(
      instances.filter((ti) => engine.tasks.has(ti.taskId)).map((ti) => [ti.taskId, ti]),
    );
    const decision = decideRun(engine, snapshot, now);
    if (decision.changes.length > 0)
      void this.store.updateTaskInstances(run.dagId, run.runId, decision.changes.map(toPatch));
    for (const taskId of decision.timedOut) {
      const ti = snapshot[taskId]!;
      const limit = engine.tasks.get(taskId)?.executionTimeoutMs ?? 0;
      this.afterCommit(() =>
        this.executor.cancel(
          { dagId: run.dagId, runId: run.runId, taskId, tryNumber: ti.tryNumber },
          `Task '${taskId}' exceeded its executionTimeout of ${limit / 1000}s`,
        ),
      );
    }
    if (decision.runState !== "running") {
      const endDate = now.toISOString();
      void this.store.updateRun(run.dagId, run.runId, { state: decision.runState, endDate });
      const finished = { ...run, state: decision.runState, endDate };
      const taskInstances = this.store.taskInstances(run.dagId, run.runId);
      this.afterCommit(() => this.events.emit("run-finished", { dag, run: finished, taskInstances }));
      return { ready: [], nextWake: Number.POSITIVE_INFINITY };
    }
    const ready = decision.ready.map((taskId) => {
      const task = dag.tasks.find((candidate) => candidate.taskId === taskId)!;
      return { dagId: run.dagId, runId: run.runId, taskId, pool: task.pool, poolSlots: task.poolSlots };
    });
    return { ready, nextWake: decision.nextWakeAt ? Date.parse(decision.nextWakeAt) : Number.POSITIVE_INFINITY };
  }

  /** Admits ready tasks under parallelism, maxActiveTasks and pools, records them queued, submits them. */
  private async startTasks(candidates: Candidate[]): Promise<void> {
    if (candidates.length === 0) return;
    const runningPerDag = new Map<string, number>();
    const poolUsed = new Map<string, number>();
    for (const { key, pool, poolSlots } of this.running.values()) {
      runningPerDag.set(key.dagId, (runningPerDag.get(key.dagId) ?? 0) + 1);
      poolUsed.set(pool, (poolUsed.get(pool) ?? 0) + poolSlots);
    }
    const pools = this.store.poolSizes();
    const { admitted } = admitTasks(candidates, {
      freeSlots: this.executor.freeSlots,
      maxActiveTasks: (dagId) => this.store.getDag(dagId)?.maxActiveTasks ?? this.settings.maxActiveTasksPerDag,
      runningPerDag,
      poolSize: (pool) => pools.get(pool),
      poolUsed,
    });
    const byRun = new Map<string, Candidate[]>();
    for (const candidate of admitted)
      byRun.set(`${candidate.dagId}\u0000${candidate.runId}`, [
        ...(byRun.get(`${candidate.dagId}\u0000${candidate.runId}`) ?? []),
        candidate,
      ]);
    for (const group of byRun.values()) {
      const { dagId, runId } = group[0]!;
      const run = this.store.getRun(dagId, runId)!;
      const dag = this.store.getDag(dagId)!;
      const instances = new Map(this.store.taskInstances(dagId, runId).map((ti) => [ti.taskId, ti]));
      const patches = group.map((candidate) => {
        const ti = instances.get(candidate.taskId)!;
        const tryNumber = ti.tryNumber + 1;
        return {
          taskId: candidate.taskId,
          state: "queued" as const,
          tryNumber,
          logPath: taskLogPath(this.settings.baseLogFolder, dagId, runId, candidate.taskId, tryNumber),
          nextRetryAt: undefined,
        };
      });
      void this.store.updateTaskInstances(dagId, runId, patches);
      const xcoms = this.store.xcoms(dagId, runId);
      const variables = this.store.variables();
      const connections = this.store.connections();
      for (const patch of patches) {
        const task = dag.tasks.find((candidate) => candidate.taskId === patch.taskId) as SerializedTask;
        const key = { dagId, runId, taskId: patch.taskId, tryNumber: patch.tryNumber };
        this.running.set(attemptKeyString(key), { key, pool: task.pool, poolSlots: task.poolSlots });
        const job: TaskJob = {
          key,
          dagFile: dag.fileloc,
          logPath: patch.logPath,
          ...(task.queue !== undefined ? { queue: task.queue } : {}),
          request: {
            dagId,
            taskId: patch.taskId,
            runId,
            runType: run.runType,
            logicalDate: run.logicalDate,
            dataIntervalStart: run.dataIntervalStart,
            dataIntervalEnd: run.dataIntervalEnd,
            tryNumber: patch.tryNumber,
            maxTries: instances.get(patch.taskId)!.maxTries,
            conf: run.conf,
            params: { ...dag.params, ...run.conf },
            xcoms,
            variables,
            connections,
            xcomMaxBytes: this.settings.xcomMaxBytes,
          },
        };
        this.afterCommit(() => this.executor.submit(job));
      }
    }
  }

  private async onExecutorEvent(event: ExecutorEvent): Promise<void> {
    const { key } = event;
    // An attempt this scheduler no longer runs (a duplicate delivery, a try already
    // recorded, or one from before a restart) changes nothing.
    if (!this.running.has(attemptKeyString(key))) return;
    if (event.type === "started") {
      const marked = this.store.taskInstances(key.dagId, key.runId).find((ti) => ti.taskId === key.taskId);
      if (marked && (marked.tryNumber !== key.tryNumber || !isActive(marked.state))) return;
      const at = Date.now();
      void this.store.updateTaskInstances(key.dagId, key.runId, [
        {
          taskId: key.taskId,
          state: "running",
          startDate: new Date(at).toISOString(),
          pid: event.pid,
          hostname: event.hostname,
        },
      ]);
      this.afterCommit(() => this.events.emit("task-started", { ...key, at }));
      this.kick();
      return;
    }
    this.running.delete(attemptKeyString(key));
    const run = this.store.getRun(key.dagId, key.runId);
    const entry = this.engineFor(key.dagId);
    if (!run || !entry) return;
    const instances = this.store.taskInstances(key.dagId, key.runId);
    const current = instances.find((ti) => ti.taskId === key.taskId);
    if (!current || current.tryNumber !== key.tryNumber) return;
    // Someone marked it (success, failed, skipped) while it ran: their state stands, as in Airflow.
    if (!isActive(current.state)) return;
    if (event.result.xcoms.length > 0) void this.store.setXComs(key.dagId, key.runId, key.taskId, event.result.xcoms);
    const snapshot = Object.fromEntries(instances.map((ti) => [ti.taskId, ti]));
    const now = this.now();
    const changes = applyAttemptOutcome(entry.engine, snapshot, key.taskId, event.result.outcome, now, run.logicalDate);
    const startedAt = current.startDate ? Date.parse(current.startDate) : now.getTime();
    const patches = changes.map((change) =>
      change.taskId === key.taskId
        ? { ...toPatch(change), durationMs: now.getTime() - startedAt, error: event.result.error }
        : toPatch(change),
    );
    void this.store.updateTaskInstances(key.dagId, key.runId, patches);
    const updated = this.store.taskInstances(key.dagId, key.runId).find((ti) => ti.taskId === key.taskId)!;
    this.afterCommit(() =>
      this.events.emit("task-finished", {
        dag: entry.dag,
        run,
        taskInstance: updated,
        state: updated.state,
        error: event.result.error,
      }),
    );
    if (this.stopped) return;
    // Handle this run right away, so its downstream tasks start in this same turn.
    const outcome = await this.advanceRun(this.store.getRun(key.dagId, key.runId)!, now);
    await this.startTasks(outcome.ready.map((candidate, index) => ({ ...candidate, priority: index })));
    this.kick();
  }

  /**
   * After a crash: task instances left queued or running have no worker any more. Each is
   * treated as a failed attempt: up_for_retry if it has retries left, else failed.
   */
  private async recoverOrphans(): Promise<void> {
    const now = this.now();
    for (const run of this.store.activeRuns()) {
      const entry = this.engineFor(run.dagId);
      if (!entry) continue;
      const instances = this.store.taskInstances(run.dagId, run.runId);
      const snapshot = Object.fromEntries(instances.map((ti) => [ti.taskId, ti]));
      for (const ti of instances) {
        if (ti.state !== "running" && ti.state !== "queued") continue;
        if (!entry.engine.tasks.has(ti.taskId)) continue;
        const attemptedTry = Math.max(1, ti.tryNumber);
        const changes = applyAttemptOutcome(
          entry.engine,
          { ...snapshot, [ti.taskId]: { ...ti, tryNumber: attemptedTry } },
          ti.taskId,
          { kind: "failed" },
          now,
          run.logicalDate,
        );
        void this.store.updateTaskInstances(
          run.dagId,
          run.runId,
          changes.map((change) => ({
            ...toPatch(change),
            tryNumber: attemptedTry,
            error: {
              name: "WorkerLostError",
              message: "the scheduler stopped while this task ran (its worker is gone); recorded as a failed attempt",
            },
          })),
        );
      }
    }
    await this.store.commit();
  }
}

function toPatch(change: StateChange): Partial<TaskInstanceRecord> & { taskId: string } {
  return { taskId: change.taskId, state: change.state, endDate: change.endDate, nextRetryAt: change.nextRetryAt };
}

function attemptKeyString(key: AttemptKey): string {
  return `${key.dagId}\u0000${key.runId}\u0000${key.taskId}\u0000${key.tryNumber}`;
}
