import { EventEmitter } from "node:events";
import { hostname } from "node:os";
import { type Clock, realClock, systemWallTime, type WallTime } from "../clock/clock.js";
import type { TaskServices } from "../dag/context.js";
import { engineDagOf } from "../dag/serialize.js";
import type { EngineDag } from "../engine/runEngine.js";
import { runKey, type StoreChange } from "../persistence/storeCore.js";
import type { DagBagView } from "../dagbag/dagBag.js";
import { DagProcessor } from "../dagbag/dagProcessor.js";
import {
  isActive,
  type MarkableRunState,
  type MarkableTaskState,
  type MarkPatch,
  patchesForRunState,
  patchesForTaskState,
} from "../engine/markState.js";
import { KitelabError, NotFoundError } from "../errors.js";
import type { Executor, ServiceHandler } from "../executor/executor.js";
import type { AttemptKey, ExecutorEvent } from "../executor/protocol.js";
import type { DagRunRecord, TaskInstanceRecord } from "../records.js";
import type { Candidate } from "./admission.js";
import { recordAttemptFinished, recordAttemptStarted } from "./attemptEvents.js";
import { createBackfillRuns } from "./backfill.js";
import { attemptKeyString, type DagEntry, type RunningAttempt, type SchedulerCore } from "./core.js";
import { advanceRun, startTasks } from "./dispatch.js";
import type { SchedulerEvents } from "./events.js";
import { stillListedDagIds } from "./goneDags.js";
import { RunReadiness } from "./readiness.js";
import { recoverOrphans } from "./recovery.js";
import { createDueRuns, type TriggerRequest, triggerRun } from "./runCreation.js";
import { type WaitForRunOptions, waitForRunEnd } from "./runWaits.js";
import type { SchedulerStore } from "./schedulerStore.js";
import { createServiceHandler } from "./serviceHandler.js";
import type { SchedulerSettings } from "./settings.js";

export type { RunFinishedEvent, SchedulerEvents, TaskFinishedEvent } from "./events.js";
export type { TriggerRequest } from "./runCreation.js";
export type { WaitForRunOptions } from "./runWaits.js";
export type { SchedulerSettings } from "./settings.js";

/** The longest delay setTimeout accepts. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The long-running heart: turns timetables into DAG runs, the engine's decisions into task
 * attempts on the executor, and executor events into durable state. Event-driven: a task's
 * end is handled at once (its downstream tasks are queued in the same turn), and timers
 * cover retries, timeouts and the next scheduled run.
 *
 * This class owns the turns (one piece of work at a time, each committed before its effects)
 * and the timers; run creation, backfill, dispatch, recovery and the service handler live in
 * their own modules and work on the {@link SchedulerCore} it hands them.
 */
export class Scheduler {
  readonly events = new EventEmitter<SchedulerEvents>();
  private readonly engines = new Map<string, DagEntry>();
  /** Per active run (by `runKey`): which of its tasks a turn must look at. */
  private readonly readiness = new Map<string, RunReadiness>();
  private readonly stopFollowingStore: () => void;
  private readonly running = new Map<string, RunningAttempt>();
  private readonly core: SchedulerCore;
  private processor?: DagProcessor;
  private serial: Promise<unknown> = Promise.resolve();
  /** Executor events not yet handled: those that arrive during a turn are handled together in the next. */
  private pendingEvents: ExecutorEvent[] = [];
  private readonly effects: Array<() => void> = [];
  private wakeTimer?: NodeJS.Timeout;
  private heartbeatTimer?: NodeJS.Timeout;
  private stopped = false;
  private stopping?: Promise<void>;
  /** Aborts every wait for a run when the scheduler stops. */
  private readonly lifetime = new AbortController();
  /** One per attempt that asked to wait for a run; aborted when that attempt ends. */
  private readonly attemptSignals = new Map<string, AbortController>();
  private readonly host = hostname();
  private readonly stopWatchingClock: () => void;
  private mailer?: TaskServices["sendEmail"];

  constructor(
    private readonly store: SchedulerStore,
    private readonly executor: Executor,
    private readonly settings: SchedulerSettings,
    /** Decides which scheduled runs are due and a manual run's logical date. */
    readonly clock: Clock = realClock(),
    /** Real time for everything else: heartbeats, queued, start and end dates, retries, timeouts. */
    private readonly wallTime: WallTime = systemWallTime,
  ) {
    this.core = {
      store,
      executor,
      settings,
      events: this.events,
      running: this.running,
      wallNow: () => new Date(this.wallTime()),
      engineFor: (dagId) => this.engineFor(dagId),
      readinessOf: (dagId, runId, engine) => this.readinessOf(dagId, runId, engine),
      afterCommit: (effect) => this.effects.push(effect),
    };
    this.executor.onEvent((event) => this.queueExecutorEvent(event));
    this.stopWatchingClock = clock.onChange(() => this.kick());
    const onStoreChange = (change: StoreChange) => {
      if (change.kind !== "task-instances") return;
      const readiness = this.readiness.get(runKey(change.dagId, change.runId));
      readiness?.noteChanged(change.taskIds, this.store.taskInstanceView(change.dagId, change.runId));
    };
    store.events.on("change", onStoreChange);
    this.stopFollowingStore = () => store.events.off("change", onStoreChange);
  }

  /** The handler the executor uses for task service requests (trigger a DAG, send mail). */
  readonly serviceHandler: ServiceHandler = createServiceHandler({
    trigger: (dagId, request) => this.trigger(dagId, request),
    waitForRun: (dagId, runId, options) => this.waitForRun(dagId, runId, options),
    attemptSignal: (key) => this.attemptSignal(key),
    mailer: () => this.mailer,
  });

  /** Where EmailOperator's messages go (the notifier). */
  useMailer(mailer: TaskServices["sendEmail"]): void {
    this.mailer = mailer;
  }

  async start(): Promise<void> {
    await this.enqueue(async () => {
      recoverOrphans(this.core, this.core.wallNow());
      const listed = stillListedDagIds(
        this.store.dagStatuses(),
        (dagId) => this.store.getDag(dagId),
        this.settings.dagFolders,
      );
      void this.store.deactivateDagsExcept(listed);
    });
    this.processor = new DagProcessor({
      folders: this.settings.dagFolders,
      listIntervalMs: this.settings.listIntervalMs,
      importTimeoutMs: this.settings.importTimeoutMs,
      parsingProcesses: this.settings.parsingProcesses,
      memoryLimitMb: this.settings.parsingMemoryLimitMb,
      onChange: (view) => this.enqueue(() => this.onDagBagChange(view)),
    });
    // Alive while the DAG files parse: a slow file delays no heartbeat.
    void this.enqueue(() => this.beat());
    this.heartbeatTimer = setInterval(() => void this.enqueue(() => this.beat()), this.settings.heartbeatMs);
    await this.processor.start();
    // Queued behind the first DAG bag change, so start() resolves with the DAGs listed.
    await this.enqueue(() => this.beat());
    this.kick();
  }

  /**
   * Stops scheduling; running attempts get `graceMs`, then are recorded as failed or up for
   * retry. Pending waits for runs end with an error. Stopping twice is stopping once.
   */
  stop(graceMs = 5000): Promise<void> {
    this.stopping ??= this.stopOnce(graceMs);
    return this.stopping;
  }

  private async stopOnce(graceMs: number): Promise<void> {
    this.stopped = true;
    this.lifetime.abort(new KitelabError("the scheduler stopped"));
    this.stopWatchingClock();
    this.stopFollowingStore();
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    await this.processor?.stop();
    await this.executor.stop(graceMs);
    await this.serial;
  }

  /** Creates a manual run now (Airflow's `dags trigger`). */
  trigger(dagId: string, request: TriggerRequest = {}): Promise<DagRunRecord> {
    return this.enqueue(async () => {
      const run = triggerRun(this.core, dagId, request, this.clock.now());
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
      const runs = createBackfillRuns(this.core, dagId, start, end, conf);
      this.kick();
      return runs;
    });
  }

  /**
   * Resolves when the run reaches success or failed. Rejects with a NotFoundError for an
   * unknown run, a TimeoutError after `timeoutMs`, and an error when the scheduler stops.
   */
  waitForRun(dagId: string, runId: string, options: WaitForRunOptions = {}): Promise<DagRunRecord> {
    const signal = options.signal ? AbortSignal.any([this.lifetime.signal, options.signal]) : this.lifetime.signal;
    return waitForRunEnd(this.events, (d, r) => this.store.getRun(d, r), dagId, runId, { ...options, signal });
  }

  private attemptSignal(key: AttemptKey): AbortSignal {
    const id = attemptKeyString(key);
    let controller = this.attemptSignals.get(id);
    if (!controller) {
      controller = new AbortController();
      this.attemptSignals.set(id, controller);
    }
    return controller.signal;
  }

  /** Clears task instances so they run again; their run goes back to running. */
  clear(dagId: string, runId: string, taskIds?: readonly string[]): Promise<number> {
    return this.enqueue(async () => {
      const run = this.store.getRun(dagId, runId);
      if (!run) throw new NotFoundError(`DAG '${dagId}' has no run '${runId}'`);
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
      const now = this.core.wallNow();
      this.applyMarks(
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
        if (dag) this.core.afterCommit(() => this.events.emit("run-finished", { dag, run: updated, taskInstances }));
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
      const patches = patchesForTaskState(
        this.store.taskInstances(dagId, runId),
        new Set(taskIds),
        state,
        this.core.wallNow(),
      );
      this.applyMarks(run, patches, `it was marked ${state}`);
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

  async setPaused(dagId: string, paused: boolean): Promise<void> {
    await this.enqueue(() => this.store.setPaused(dagId, paused));
    this.kick();
  }

  /** Asks for a scheduling pass as soon as possible. */
  kick(): void {
    if (this.stopped) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(() => void this.enqueue(() => this.pass()), 0);
  }

  private requireRun(dagId: string, runId: string): DagRunRecord {
    const run = this.store.getRun(dagId, runId);
    if (!run) throw new NotFoundError(`DAG '${dagId}' has no run '${runId}'`);
    return run;
  }

  private applyMarks(run: DagRunRecord, patches: readonly MarkPatch[], reason: string): void {
    const before = new Map(this.store.taskInstances(run.dagId, run.runId).map((ti) => [ti.taskId, ti]));
    void this.store.updateTaskInstances(run.dagId, run.runId, patches);
    for (const patch of patches) {
      const ti = before.get(patch.taskId);
      if (ti && isActive(ti.state)) {
        this.core.afterCommit(() =>
          this.executor.cancel(
            { dagId: run.dagId, runId: run.runId, taskId: ti.taskId, tryNumber: ti.tryNumber },
            `Task '${ti.taskId}' was stopped: ${reason}`,
          ),
        );
      }
    }
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

  private async beat(): Promise<void> {
    const executorProblem = this.executor.problem;
    void this.store.heartbeat({
      pid: process.pid,
      hostname: this.host,
      at: this.core.wallNow().toISOString(),
      ...(executorProblem !== undefined ? { executorProblem } : {}),
    });
  }

  private async onDagBagChange(view: DagBagView): Promise<void> {
    const dags = [...view.dags.values()];
    void this.store.saveDags(dags, (dag) => dag.isPausedUponCreation ?? this.settings.pausedAtCreation);
    void this.store.deactivateDagsExcept(new Set(view.dags.keys()));
    void this.store.setImportErrors(view.importErrors);
    this.engines.clear();
    this.core.afterCommit(() => this.events.emit("dags-changed", view));
    this.kick();
  }

  /**
   * One scheduling pass over every DAG and active run. Whatever happens in it, the next
   * wake-up is armed: a pass that throws is tried again after a heartbeat, instead of
   * leaving scheduling stalled until some other event.
   */
  private async pass(): Promise<void> {
    if (this.stopped) return;
    let nextWake = this.wallTime() + this.settings.heartbeatMs;
    try {
      nextWake = this.schedulingPass();
    } finally {
      this.armWakeUp(nextWake);
    }
  }

  /** Creates the due runs, advances every active run and starts what is ready; returns the next wake-up (wall ms). */
  private schedulingPass(): number {
    const scheduleNow = this.clock.now();
    const now = this.core.wallNow();
    // Run creation is due on the scheduler's clock; everything else wakes on real time.
    let nextDueRun = Number.POSITIVE_INFINITY;
    for (const status of this.store.dagStatuses()) {
      if (status.isPaused || !status.isActive) continue;
      const dag = this.store.getDag(status.dagId);
      if (dag)
        nextDueRun = Math.min(nextDueRun, createDueRuns(this.core, dag, status.lastAutomatedInterval, scheduleNow));
    }
    let nextWake = Number.isFinite(nextDueRun)
      ? now.getTime() + this.clock.realDelayUntil(nextDueRun)
      : Number.POSITIVE_INFINITY;
    const candidates: Candidate[] = [];
    let priority = 0;
    const activeRuns = this.store.activeRuns();
    const activeKeys = new Set(activeRuns.map((run) => runKey(run.dagId, run.runId)));
    for (const key of this.readiness.keys()) if (!activeKeys.has(key)) this.readiness.delete(key);
    for (const run of activeRuns) {
      const outcome = advanceRun(this.core, run, now);
      nextWake = Math.min(nextWake, outcome.nextWake);
      for (const candidate of outcome.ready) candidates.push({ ...candidate, priority: priority++ });
    }
    startTasks(this.core, candidates);
    return nextWake;
  }

  private armWakeUp(nextWake: number): void {
    if (!Number.isFinite(nextWake) || this.stopped) return;
    const delay = Math.max(0, Math.min(nextWake - this.wallTime(), MAX_TIMER_MS));
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(() => void this.enqueue(() => this.pass()), delay);
  }

  /**
   * Events are handled in batches, one turn each: with many tasks ending at once (a wide
   * fan-out), one turn per event meant one fsync and one pass over the run per event.
   */
  private queueExecutorEvent(event: ExecutorEvent): void {
    this.pendingEvents.push(event);
    if (this.pendingEvents.length === 1) void this.enqueue(() => this.onExecutorEvents());
  }

  private async onExecutorEvents(): Promise<void> {
    const events = this.pendingEvents.splice(0);
    const now = this.core.wallNow();
    const ended = new Map<string, DagRunRecord>();
    let started = false;
    for (const event of events) {
      if (event.type === "started") {
        started = recordAttemptStarted(this.core, event) || started;
        continue;
      }
      const id = attemptKeyString(event.key);
      this.attemptSignals.get(id)?.abort(new KitelabError("the task that asked for it ended"));
      this.attemptSignals.delete(id);
      const run = recordAttemptFinished(this.core, event, now);
      if (run) ended.set(`${run.dagId}\u0000${run.runId}`, run);
    }
    if (this.stopped) return;
    // Handle the runs whose tasks ended right away, so their downstream tasks start in this same turn.
    const candidates: Candidate[] = [];
    for (const run of ended.values()) {
      const current = this.store.getRun(run.dagId, run.runId) ?? run;
      for (const candidate of advanceRun(this.core, current, now).ready)
        candidates.push({ ...candidate, priority: candidates.length });
    }
    startTasks(this.core, candidates);
    if (started || ended.size > 0) this.kick();
  }

  private readinessOf(dagId: string, runId: string, engine: EngineDag): RunReadiness {
    const key = runKey(dagId, runId);
    let readiness = this.readiness.get(key);
    // A DAG file that changed brings a new engine: what was known of the old graph no longer holds.
    if (!readiness || readiness.engine !== engine) {
      readiness = new RunReadiness(engine, this.store.taskInstanceView(dagId, runId));
      this.readiness.set(key, readiness);
    }
    return readiness;
  }

  private engineFor(dagId: string): DagEntry | undefined {
    const cached = this.engines.get(dagId);
    if (cached) return cached;
    const dag = this.store.getDag(dagId);
    if (!dag) return undefined;
    const entry = { dag, engine: engineDagOf(dag), tasks: new Map(dag.tasks.map((task) => [task.taskId, task])) };
    this.engines.set(dagId, entry);
    return entry;
  }
}
