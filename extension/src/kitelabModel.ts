import { type ISignal, Signal } from "@lumino/signaling";
import type { IDagRun, ISchedulerProcess } from "./api.js";
import type { KitelabClient } from "./client.js";
import {
  type IDagSummary,
  type IKitelabSnapshot,
  INITIAL_SNAPSHOT,
  newlyFinishedRuns,
  schedulerState,
} from "./model.js";

export interface IKitelabModelOptions {
  readonly client: Pick<KitelabClient, "schedulerProcess" | "health" | "dags" | "latestRuns" | "importErrors">;
  /**
   * Milliseconds between polls.
   * @default 5000
   */
  readonly intervalMs?: number;
  /**
   * Polls are skipped while this answers false (the browser tab is hidden).
   * @default () => true
   */
  readonly isActive?: () => boolean;
}

/**
 * Polls the scheduler and keeps the latest {@link IKitelabSnapshot}. `changed` fires when what
 * the views show changed; `runsFinished` carries the runs that finished since the previous poll.
 */
export class KitelabModel {
  private current: IKitelabSnapshot = INITIAL_SNAPSHOT;
  private polled = false;
  /** Scheduler time (epoch ms) up to which polls have looked: the latest heartbeat or process start seen. */
  private lookedUntil: number | null = null;
  private inFlight: Promise<IKitelabSnapshot> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;
  private readonly changedSignal = new Signal<this, IKitelabSnapshot>(this);
  private readonly finishedSignal = new Signal<this, readonly IDagRun[]>(this);
  private readonly intervalMs: number;
  private readonly isActive: () => boolean;

  constructor(private readonly options: IKitelabModelOptions) {
    const interval = options.intervalMs ?? 5000;
    if (!Number.isInteger(interval) || interval < 250) {
      throw new RangeError(`Expected \`intervalMs\` to be an integer of at least 250, got ${String(interval)}`);
    }
    this.intervalMs = interval;
    this.isActive = options.isActive ?? (() => true);
  }

  get snapshot(): IKitelabSnapshot {
    return this.current;
  }

  get changed(): ISignal<this, IKitelabSnapshot> {
    return this.changedSignal;
  }

  get runsFinished(): ISignal<this, readonly IDagRun[]> {
    return this.finishedSignal;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Polls now (joining a poll already under way) and returns the new snapshot. */
  refresh(): Promise<IKitelabSnapshot> {
    if (this.inFlight === null) {
      this.inFlight = this.poll().finally(() => {
        this.inFlight = null;
      });
    }
    return this.inFlight;
  }

  /** Starts polling every `intervalMs`, first right away. */
  start(): void {
    if (this.timer !== null || this.disposed) {
      return;
    }
    const tick = async (): Promise<void> => {
      if (this.isActive()) {
        await this.refresh().catch(() => undefined);
      }
      if (!this.disposed) {
        this.timer = setTimeout(tick, this.intervalMs);
      }
    };
    this.timer = setTimeout(tick, 0);
  }

  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    if (this.timer !== null) {
      clearTimeout(this.timer);
    }
    Signal.clearData(this);
  }

  private async poll(): Promise<IKitelabSnapshot> {
    const previous = this.polled ? this.current : null;
    const { snapshot: next, startedAt } = await this.read(this.current);
    this.polled = true;
    if (this.disposed) {
      return next;
    }
    const finished = newlyFinishedRuns(previous, next, this.lookedUntil);
    this.lookedUntil = latest(this.lookedUntil, next.heartbeat === null ? null : Date.parse(next.heartbeat), startedAt);
    const changed = JSON.stringify(next) !== JSON.stringify(this.current);
    this.current = next;
    if (changed) {
      this.changedSignal.emit(next);
    }
    if (finished.length > 0) {
      this.finishedSignal.emit(finished);
    }
    return next;
  }

  /**
   * Never throws: a failed request becomes the snapshot's `error`, keeping what was known.
   * `startedAt` is when the scheduler process started (epoch ms), when Jupyter says.
   */
  private async read(previous: IKitelabSnapshot): Promise<{ snapshot: IKitelabSnapshot; startedAt: number | null }> {
    const { client } = this.options;
    let process;
    try {
      process = await client.schedulerProcess();
    } catch (error) {
      return {
        snapshot: { ...previous, error: `Cannot ask Jupyter whether the scheduler runs: ${message(error)}` },
        startedAt: null,
      };
    }
    const startedAt = process.started_at === null ? null : process.started_at * 1000;
    return { snapshot: await this.readScheduler(previous, process), startedAt };
  }

  private async readScheduler(previous: IKitelabSnapshot, process: ISchedulerProcess): Promise<IKitelabSnapshot> {
    const { client } = this.options;
    if (process.state !== "running") {
      return { ...INITIAL_SNAPSHOT, scheduler: schedulerState(process, null) };
    }
    let health;
    try {
      health = await client.health();
    } catch (error) {
      return { ...previous, scheduler: "unreachable", error: `The scheduler's /health failed: ${message(error)}` };
    }
    try {
      const [dags, importErrors] = await Promise.all([client.dags(), client.importErrors()]);
      const runs = await Promise.all(dags.map((dag) => client.latestRuns(dag.dag_id)));
      const summaries: IDagSummary[] = dags.map((dag, index) => ({ dag, runs: runs[index] ?? [] }));
      return {
        scheduler: schedulerState(process, health),
        heartbeat: health.scheduler.latest_scheduler_heartbeat,
        dags: summaries,
        importErrors,
        error: null,
      };
    } catch (error) {
      return {
        ...previous,
        scheduler: schedulerState(process, health),
        heartbeat: health.scheduler.latest_scheduler_heartbeat,
        error: `The scheduler's API failed: ${message(error)}`,
      };
    }
  }
}

/** The latest of the known instants (epoch ms), ignoring unknown and unreadable ones. */
function latest(...instants: readonly (number | null)[]): number | null {
  const known = instants.filter((instant): instant is number => instant !== null && !Number.isNaN(instant));
  return known.length === 0 ? null : Math.max(...known);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
