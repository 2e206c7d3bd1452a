/**
 * What the extension knows about the scheduler at one poll, and the pure decisions made from
 * it: the scheduler's state, the latest run across DAGs, which runs finished since the last
 * poll (each one becomes a notification) and what the status bar says.
 */
import type { DagRunState, IDag, IDagRun, IHealth, IImportError, ISchedulerProcess } from "./api.js";

/** The scheduler as the student sees it. */
export type SchedulerState =
  /** jupyter-server-proxy has not started it in this Jupyter server's life. */
  | "not-started"
  /** Started, not listening yet. */
  | "starting"
  /** Listening and its heartbeat is recent. */
  | "healthy"
  /** Listening, but its loop has not beaten lately. */
  | "unhealthy"
  /** Started once, no longer listening. */
  | "exited"
  /** Listening, but its answers could not be read. */
  | "unreachable";

/** One DAG with its latest runs, newest first. */
export interface IDagSummary {
  readonly dag: IDag;
  readonly runs: readonly IDagRun[];
}

export interface IKitelabSnapshot {
  readonly scheduler: SchedulerState;
  readonly heartbeat: string | null;
  readonly dags: readonly IDagSummary[];
  readonly importErrors: readonly IImportError[];
  /** What went wrong in the last poll, for the panel; null when it went through. */
  readonly error: string | null;
}

/** Before the first poll. */
export const INITIAL_SNAPSHOT: IKitelabSnapshot = {
  scheduler: "not-started",
  heartbeat: null,
  dags: [],
  importErrors: [],
  error: null,
};

const FINISHED: ReadonlySet<DagRunState> = new Set<DagRunState>(["success", "failed"]);

/** A run in `success` or `failed` never changes again on its own. */
export function isFinished(state: DagRunState): boolean {
  return FINISHED.has(state);
}

/** The scheduler's state from the process report and, when it listens, its `/health` (null: unreadable). */
export function schedulerState(process: ISchedulerProcess, health: IHealth | null): SchedulerState {
  switch (process.state) {
    case "not-started":
    case "starting":
    case "exited":
      return process.state;
    case "running":
      if (health === null) {
        return "unreachable";
      }
      return health.scheduler.status === "healthy" ? "healthy" : "unhealthy";
  }
}

function runTime(run: IDagRun): number {
  const stamp = run.start_date ?? run.logical_date ?? run.execution_date;
  const time = stamp === null ? Number.NaN : Date.parse(stamp);
  return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
}

/** The run that started last across all DAGs (queued runs count by their logical date). */
export function latestRun(dags: readonly IDagSummary[]): IDagRun | null {
  let latest: IDagRun | null = null;
  for (const summary of dags) {
    for (const run of summary.runs) {
      if (latest === null || runTime(run) > runTime(latest)) {
        latest = run;
      }
    }
  }
  return latest;
}

/**
 * The runs that finished between `previous` and `current`, each once: finished now, and either
 * not finished or not listed in `previous`. A DAG absent from `previous` (a new DAG file, a
 * scheduler that just came up) may already have a run that started and finished between the two
 * polls: its finished runs are news when they ended after `since`, the scheduler time (epoch ms)
 * up to which earlier polls had looked. On the first poll (`previous` null) or without `since`,
 * nothing is news, so old runs never pop up when JupyterLab opens.
 */
export function newlyFinishedRuns(
  previous: IKitelabSnapshot | null,
  current: IKitelabSnapshot,
  since: number | null = null,
): IDagRun[] {
  if (previous === null) {
    return [];
  }
  const before = new Map(previous.dags.map((summary) => [summary.dag.dag_id, summary.runs]));
  const finished: IDagRun[] = [];
  for (const summary of current.dags) {
    const known = before.get(summary.dag.dag_id);
    if (known === undefined) {
      if (since !== null) {
        finished.push(...summary.runs.filter((run) => isFinished(run.state) && endTime(run) > since));
      }
      continue;
    }
    const stateBefore = new Map(known.map((run) => [run.dag_run_id, run.state]));
    for (const run of summary.runs) {
      const was = stateBefore.get(run.dag_run_id);
      if (isFinished(run.state) && (was === undefined || !isFinished(was))) {
        finished.push(run);
      }
    }
  }
  return finished.sort((a, b) => runTime(a) - runTime(b));
}

function endTime(run: IDagRun): number {
  const time = run.end_date === null ? Number.NaN : Date.parse(run.end_date);
  return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
}

/** How a status is coloured: the status bar's dots and the panel's badges. */
export type Tone = "success" | "failed" | "running" | "idle" | "down";

export interface IStatusPart {
  readonly tone: Tone;
  readonly text: string;
}

export interface IStatusView {
  readonly scheduler: IStatusPart;
  /** The latest run across DAGs; null while there is none to show. */
  readonly lastRun: IStatusPart | null;
  /** The tooltip: both parts in full sentences. */
  readonly title: string;
}

const SCHEDULER_PARTS: Record<SchedulerState, IStatusPart & { sentence: string }> = {
  "not-started": {
    tone: "idle",
    text: "Kitelab: not started",
    sentence: "The scheduler is not running: open it from the Launcher (Kitelab Scheduler) to start it.",
  },
  starting: { tone: "running", text: "Kitelab: starting…", sentence: "The scheduler is starting." },
  healthy: { tone: "success", text: "Kitelab", sentence: "The scheduler is running and healthy." },
  unhealthy: {
    tone: "failed",
    text: "Kitelab: unhealthy",
    sentence: "The scheduler answers, but its loop has not reported a heartbeat lately.",
  },
  exited: {
    tone: "down",
    text: "Kitelab: stopped",
    sentence: "The scheduler process has stopped: see the Jupyter server log for why.",
  },
  unreachable: {
    tone: "down",
    text: "Kitelab: not answering",
    sentence: "The scheduler process runs but its API did not answer.",
  },
};

/** How a run's state is said in the status bar and the notifications. */
export function runStateWord(state: DagRunState): string {
  return { queued: "queued", running: "running", success: "succeeded", failed: "failed" }[state];
}

export function runTone(state: DagRunState): Tone {
  return state === "success" ? "success" : state === "failed" ? "failed" : "running";
}

/** What the status bar item shows for a snapshot. */
export function statusView(snapshot: IKitelabSnapshot): IStatusView {
  const { sentence, ...scheduler } = SCHEDULER_PARTS[snapshot.scheduler];
  const reachable = snapshot.scheduler === "healthy" || snapshot.scheduler === "unhealthy";
  const run = reachable ? latestRun(snapshot.dags) : null;
  const lastRun: IStatusPart | null =
    run === null
      ? reachable
        ? { tone: "idle", text: "no runs yet" }
        : null
      : { tone: runTone(run.state), text: `${run.dag_id} ${runStateWord(run.state)}` };
  const runSentence = run === null ? "" : ` Last run: ${run.dag_id} ${run.dag_run_id} ${runStateWord(run.state)}.`;
  const errors = snapshot.importErrors.length;
  const errorSentence = errors === 0 ? "" : ` ${errors} DAG file${errors === 1 ? "" : "s"} failed to import.`;
  return { scheduler, lastRun, title: `${sentence}${runSentence}${errorSentence} Click to open the status page.` };
}

/** One notification about finished runs. */
export interface IRunNotice {
  readonly type: "success" | "error";
  readonly message: string;
}

/** Beyond this many runs finishing in one poll (a backfill), one summary replaces the notices. */
export const MAX_RUN_NOTICES = 3;

/**
 * The notifications to show for runs that just finished, oldest first. Many runs finishing in one
 * poll (a backfill, catch-up runs) share one summary, but a run someone triggered keeps its own
 * notice: it is the one the student is waiting for.
 */
export function finishedRunNotices(runs: readonly IDagRun[]): IRunNotice[] {
  if (runs.length <= MAX_RUN_NOTICES) {
    return runs.map(runNotice);
  }
  const triggered = runs.filter((run) => run.run_type === "manual");
  const shown = triggered.length <= MAX_RUN_NOTICES ? triggered : [];
  const rest = runs.filter((run) => !shown.includes(run));
  const summary = rest.length === 1 ? [runNotice(rest[0]!)] : [summaryNotice(rest)];
  return [...summary, ...shown.map(runNotice)];
}

function runNotice(run: IDagRun): IRunNotice {
  return {
    type: run.state === "failed" ? "error" : "success",
    message: `DAG ${run.dag_id}: run ${run.dag_run_id} ${runStateWord(run.state)}.`,
  };
}

function summaryNotice(runs: readonly IDagRun[]): IRunNotice {
  const failed = runs.filter((run) => run.state === "failed").length;
  const dagIds = [...new Set(runs.map((run) => run.dag_id))];
  const which = dagIds.length === 1 ? `of ${dagIds[0]} ` : "";
  return {
    type: failed > 0 ? "error" : "success",
    message: `${runs.length} runs ${which}finished: ${runs.length - failed} succeeded, ${failed} failed.`,
  };
}
