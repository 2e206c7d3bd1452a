/**
 * The notebook's client of the running scheduler: checks what a cell passed, waits where a
 * student would, and shows every answer as a table or a note. The HTTP calls themselves are
 * `schedulerApi.ts`'s.
 */
import { inspect } from "node:util";
import { parseJson } from "../client/apiClient.js";
import { runningScheduler, type SchedulerEndpoint } from "../scheduler/endpoint.js";
import { resolveHome } from "../config/index.js";
import { renderAscii, renderSvg, type GraphInput } from "../graph/index.js";
import { describeValue, KitelabError, ValidationError } from "../errors.js";
import { isProcessAlive } from "../util/processes.js";
import { SchedulerApi } from "./schedulerApi.js";
import {
  isFinishedRun,
  type DagInfo,
  type DagRunInfo,
  type ImportErrorInfo,
  type TaskInstanceInfo,
  type TaskLog,
} from "./apiRecords.js";
import { escapeHtml, PAUSE_MARK, show } from "./display.js";
import { stopScheduler } from "./schedulerStop.js";
import type { ClockInfo } from "../clock/clock.js";
import type { Explanation } from "../explain/explain.js";
import { toMilliseconds } from "../util/duration.js";
import { clockView, explanationView } from "./explainViews.js";
import {
  dagsView,
  importErrorsView,
  logView,
  noteView,
  runsView,
  shortDate,
  stateBadge,
  summarized,
  taskInstancesView,
  type View,
} from "./views.js";

/** How to find and talk to the running scheduler. */
export interface ConnectOptions {
  /** The Kitelab home whose scheduler to reach. @default $KITELAB_HOME, else ~/kitelab */
  home?: string;
  /** The scheduler's URL, when it is not the one `$KITELAB_HOME/scheduler.json` names. */
  url?: string;
  /** The API token. @default [webserver] auth_token, else the content of `$KITELAB_HOME/api_token` */
  token?: string;
  /** Return results without showing them. @default false */
  quiet?: boolean;
  /** Milliseconds between two looks while waiting. @default 250 */
  pollMs?: number;
}

export interface WaitOptions {
  /** How long to wait before giving up with an error that says why. */
  timeoutMs?: number;
}

export interface WaitForDagOptions extends WaitOptions {
  /** The DAG file you wrote: on a timeout, its import error is shown. */
  file?: string;
}

export interface TriggerOptions {
  /** The run's `conf` (`dag_run.conf`), a JSON object. @default {} */
  conf?: Record<string, unknown>;
  /** The run's logical date. @default now */
  logicalDate?: Date | string;
  /** The run id. @default manual__<logical date> */
  runId?: string;
}

export interface BackfillOptions {
  /** First logical date of the range (included). */
  startDate: Date | string;
  /** Last logical date of the range (included). */
  endDate: Date | string;
  /** `conf` for every backfill run. @default {} */
  conf?: Record<string, unknown>;
}

/** What the status page's `/` answered. */
export interface StatusPageInfo {
  /** `/success`, `/failure`, or `/` when no run has finished yet. */
  page: string;
  /** The state of the run the page shows, if any. */
  state: string | null;
  url: string;
}

const DEFAULT_DAG_TIMEOUT_MS = 30_000;
const DEFAULT_RUN_TIMEOUT_MS = 60_000;
/** How long a run of a paused DAG may stay queued before waiting for it is called off. */
const PAUSED_QUEUE_GRACE_MS = 3_000;

/**
 * Finds the running scheduler of a Kitelab home (the one `kitelab standalone`, `kitelab
 * scheduler` or the JupyterLab Launcher started) and returns a client for it.
 * Throws, saying how to start one, when none runs.
 * @example
 * const kitelab = await connectScheduler();
 * await kitelab.dags();
 */
export async function connectScheduler(options: ConnectOptions = {}): Promise<SchedulerClient> {
  const client = new SchedulerClient(options);
  const endpoint = client.endpoint();
  await client.request("GET", "/dags?limit=1");
  if (!options.quiet) {
    show(
      noteView(
        `Connected to the Kitelab scheduler${endpoint.pid ? ` (pid ${endpoint.pid})` : ""} at <a href="${escapeHtml(endpoint.url)}" target="_blank">${escapeHtml(endpoint.url)}</a>, home <code>${escapeHtml(client.home)}</code>`,
      ).html,
      `Connected to the Kitelab scheduler${endpoint.pid ? ` (pid ${endpoint.pid})` : ""} at ${endpoint.url}, home ${client.home}`,
    );
  }
  return client;
}

/**
 * A client of the running scheduler's JSON API, for notebooks. Every method shows its
 * result as a compact table (unless `quiet`) and returns it as data; printed as a cell's
 * last value, a result is one line, not a wall of JSON.
 */
export class SchedulerClient {
  /** The Kitelab home this client reaches the scheduler of. */
  readonly home: string;
  private readonly options: ConnectOptions;
  private readonly pollMs: number;
  /** Set by `startScheduler`: the pid of the scheduler this client started. */
  startedPid?: number;
  /** The scheduler's API, as typed calls that show nothing. */
  readonly api: SchedulerApi;

  constructor(options: ConnectOptions = {}) {
    this.options = { ...options };
    this.home = options.home ?? resolveHome(process.env);
    this.pollMs = options.pollMs ?? 250;
    if (!Number.isFinite(this.pollMs) || this.pollMs <= 0) {
      throw new ValidationError(
        `Expected \`pollMs\` to be a positive number of milliseconds, got ${describeValue(options.pollMs)}`,
      );
    }
    this.api = new SchedulerApi({ home: this.home, url: options.url, token: options.token });
  }

  /** The scheduler to talk to, read afresh each time (it may have restarted on another port). */
  endpoint(): SchedulerEndpoint {
    return this.api.endpoint();
  }

  /** Calls the JSON API (`/api/v1` + `path`); a refusal is an ApiError with the HTTP status and the scheduler's own message. */
  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    return this.api.request<T>(method, path, body);
  }

  /** The DAGs the scheduler lists (examples too, unless `load_examples = False`). */
  async dags(): Promise<DagInfo[]> {
    const dags = await this.api.dags();
    this.display(dagsView(dags));
    return summarized(
      dags,
      `${dags.length} DAG(s)${dags.length > 0 ? `: ${dags.map((dag) => dag.dagId).join(", ")}` : ""}`,
    );
  }

  /** One DAG, or undefined when the scheduler does not list it (yet). Shows nothing. */
  async dag(dagId: string): Promise<DagInfo | undefined> {
    return this.api.dag(checkId(dagId, "dagId"));
  }

  /**
   * Waits until the scheduler lists the DAG: the proof that it read the file you wrote.
   * On a timeout it shows the file's import error (or every import error) and says what to check.
   * @example await kitelab.waitForDag("hello", { file: dagFile })
   */
  async waitForDag(dagId: string, options: WaitForDagOptions = {}): Promise<DagInfo> {
    checkId(dagId, "dagId");
    const timeoutMs = checkTimeout(options.timeoutMs ?? DEFAULT_DAG_TIMEOUT_MS);
    const started = Date.now();
    for (;;) {
      const dag = await this.dag(dagId);
      if (dag) {
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        this.display(
          noteView(
            `The scheduler lists <strong>${escapeHtml(dagId)}</strong> (found after ${seconds} s): schedule <code>${escapeHtml(dag.schedule ?? "None")}</code>, ` +
              `${dag.isPaused ? `${PAUSE_MARK} paused: unpause it to let the scheduler run it` : "▶ active"}; file <code>${escapeHtml(dag.fileloc)}</code>`,
          ),
        );
        return summarized(dag, `DAG ${dagId} (${dag.isPaused ? "paused" : "active"})`);
      }
      if (Date.now() - started >= timeoutMs) break;
      await sleep(this.pollMs);
    }
    const errors = (await this.api.importErrors()).filter(
      (error) => options.file === undefined || sameFile(error.file, options.file),
    );
    if (errors.length > 0) {
      this.display(importErrorsView(errors));
      throw new KitelabError(
        `The scheduler does not list DAG '${dagId}' after ${timeoutMs / 1000} s: ${options.file ? `${options.file} failed to import` : "some DAG files failed to import"} (see the table above). Fix the file, write it again and wait again.`,
      );
    }
    const known = (await this.api.dags()).map((dag) => dag.dagId);
    throw new KitelabError(
      `The scheduler does not list DAG '${dagId}' after ${timeoutMs / 1000} s and reports no import error${options.file ? ` for ${options.file}` : ""}. ` +
        `Is the file in the dags folder, and is its dagId '${dagId}'? The scheduler lists: ${known.length > 0 ? known.join(", ") : "no DAGs"}.`,
    );
  }

  /**
   * Draws the DAG's graph as the scheduler knows it; with `runId`, tasks are coloured by
   * their state in that run.
   * @example await kitelab.graph("lab2_ml_pipeline", run.runId)
   */
  async graph(dagId: string, runId?: string): Promise<GraphInput> {
    checkId(dagId, "dagId");
    const tasks = await this.api.tasks(dagId);
    const states = new Map(
      (runId === undefined ? [] : await this.api.taskInstances(dagId, checkId(runId, "runId"))).map((ti) => [
        ti.taskId,
        ti,
      ]),
    );
    const input: GraphInput = {
      dagId,
      tasks: tasks.map((task) => ({
        taskId: task.task_id,
        upstreamIds: tasks
          .filter((other) => other.downstream_task_ids.includes(task.task_id))
          .map((other) => other.task_id),
        operator: task.class_ref?.class_name,
        triggerRule: task.trigger_rule,
        state: states.get(task.task_id)?.state,
        tryNumber: states.get(task.task_id)?.tryNumber,
      })),
    };
    this.display({ html: renderSvg(input), text: renderAscii(input) });
    return summarized(input, `graph of ${dagId}: ${input.tasks.length} task(s)`);
  }

  /** Lets the scheduler create and start runs of this DAG. */
  async unpause(dagId: string): Promise<DagInfo> {
    return this.setPaused(dagId, false);
  }

  /** Stops the scheduler from creating and starting runs of this DAG. */
  async pause(dagId: string): Promise<DagInfo> {
    return this.setPaused(dagId, true);
  }

  private async setPaused(dagId: string, paused: boolean): Promise<DagInfo> {
    checkId(dagId, "dagId");
    const dag = await this.api.setPaused(dagId, paused);
    this.display(
      noteView(
        paused
          ? `${PAUSE_MARK} <strong>${escapeHtml(dagId)}</strong> is paused: the scheduler creates and starts no runs of it.`
          : `▶ <strong>${escapeHtml(dagId)}</strong> is active${dag.schedule ? `: schedule <code>${escapeHtml(dag.schedule)}</code>${dag.nextRun ? `, next scheduled run: logical date ${escapeHtml(shortDate(dag.nextRun))} UTC` : ""}` : " (manual runs only)"}.`,
      ),
    );
    return summarized(dag, `DAG ${dagId} (${paused ? "paused" : "active"})`);
  }

  /**
   * Starts a run now (Airflow's "Trigger DAG").
   * @example const run = await kitelab.trigger("hello", { conf: { who: "you" } });
   */
  async trigger(dagId: string, options: TriggerOptions = {}): Promise<DagRunInfo> {
    checkId(dagId, "dagId");
    const body: Record<string, unknown> = { conf: checkConf(options.conf) };
    if (options.logicalDate !== undefined) body.logical_date = isoDate(options.logicalDate, "logicalDate");
    if (options.runId !== undefined) body.dag_run_id = checkId(options.runId, "runId");
    const run = await this.api.trigger(dagId, body);
    const dag = await this.dag(dagId);
    this.display(
      runsView(
        [run],
        `Triggered <strong>${escapeHtml(dagId)}</strong>${dag?.isPaused ? ` — the DAG is ${PAUSE_MARK} paused, so this run stays queued until you unpause it` : ""}:`,
      ),
    );
    return summarized(run, `run ${run.runId} of ${dagId} (${run.state})`);
  }

  /**
   * Waits until a run finishes (success or failed), then shows its tasks and returns the
   * run. Gives up early, saying so, when the run stays queued while its DAG is paused.
   * @example const done = await kitelab.waitForRun(run.dagId, run.runId);
   */
  async waitForRun(dagId: string, runId: string, options: WaitOptions = {}): Promise<DagRunInfo> {
    checkId(dagId, "dagId");
    checkId(runId, "runId");
    const timeoutMs = checkTimeout(options.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS);
    const started = Date.now();
    let queuedSince: number | undefined;
    for (;;) {
      const run = await this.api.run(dagId, runId);
      if (isFinishedRun(run.state)) {
        this.display(taskInstancesView(await this.api.taskInstances(dagId, runId), run));
        return summarized(run, `run ${runId} of ${dagId} (${run.state})`);
      }
      if (run.state !== "queued") queuedSince = undefined;
      else queuedSince ??= Date.now();
      if (
        queuedSince !== undefined &&
        Date.now() - queuedSince >= PAUSED_QUEUE_GRACE_MS &&
        (await this.dag(dagId))?.isPaused
      ) {
        throw new KitelabError(
          `The run ${runId} stays queued: DAG '${dagId}' is paused. Unpause it with \`await kitelab.unpause("${dagId}")\` (or its toggle on the status page), then wait again.`,
        );
      }
      if (Date.now() - started >= timeoutMs) {
        this.display(taskInstancesView(await this.api.taskInstances(dagId, runId), run));
        throw new KitelabError(
          `The run ${runId} of '${dagId}' is still ${run.state} after ${timeoutMs / 1000} s (its tasks are above). Wait longer with { timeoutMs }, or read a task's log.`,
        );
      }
      await sleep(this.pollMs);
    }
  }

  /** Waits for several runs (a backfill's), then shows them in one table. */
  async waitForRuns(dagId: string, runIds: readonly string[], options: WaitOptions = {}): Promise<DagRunInfo[]> {
    const timeoutMs = checkTimeout(options.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS);
    const started = Date.now();
    const quiet = new SchedulerClient({ ...this.options, home: this.home, quiet: true });
    const runs: DagRunInfo[] = [];
    for (const runId of runIds) {
      const left = Math.max(1, timeoutMs - (Date.now() - started));
      runs.push(await quiet.waitForRun(dagId, runId, { timeoutMs: left }));
    }
    this.display(runsView(runs, `${runs.length} run(s) of <strong>${escapeHtml(dagId)}</strong> finished:`));
    return summarized(runs, `${runs.length} run(s) of ${dagId}: ${runs.map((run) => run.state).join(", ")}`);
  }

  /** The DAG's latest runs, newest first. */
  async runs(dagId: string, options: { limit?: number } = {}): Promise<DagRunInfo[]> {
    checkId(dagId, "dagId");
    const limit = options.limit ?? 10;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw new ValidationError(
        `Expected \`limit\` to be an integer from 1 to 100, got ${describeValue(options.limit)}`,
      );
    }
    const { runs, total } = await this.api.runs(dagId, limit);
    this.display(
      runsView(
        runs,
        `${total} run(s) of <strong>${escapeHtml(dagId)}</strong>${total > runs.length ? `, the latest ${runs.length}` : ""}, newest first:`,
      ),
    );
    return summarized(runs, `${runs.length} run(s) of ${dagId}`);
  }

  /** The tasks of one run, with their states, tries and durations. */
  async taskInstances(dagId: string, runId: string): Promise<TaskInstanceInfo[]> {
    checkId(dagId, "dagId");
    checkId(runId, "runId");
    const [run, instances] = await Promise.all([this.api.run(dagId, runId), this.api.taskInstances(dagId, runId)]);
    this.display(taskInstancesView(instances, run));
    return summarized(
      instances,
      `${instances.length} task(s) of run ${runId}: ${instances.map((ti) => `${ti.taskId}=${ti.state}`).join(", ")}`,
    );
  }

  /** A task's log; the latest try unless `tryNumber` is given. */
  async log(dagId: string, runId: string, taskId: string, tryNumber?: number): Promise<TaskLog> {
    checkId(dagId, "dagId");
    checkId(runId, "runId");
    checkId(taskId, "taskId");
    let attempt = tryNumber;
    if (attempt === undefined) {
      const ti = await this.api.taskInstance(dagId, runId, taskId);
      if (ti.tryNumber === 0) {
        throw new KitelabError(
          `Task '${taskId}' of run ${runId} has not run yet (state ${ti.state}), so it has no log. Wait for the run first.`,
        );
      }
      attempt = ti.tryNumber;
    } else if (!Number.isInteger(attempt) || attempt < 1) {
      throw new ValidationError(`Expected \`tryNumber\` to be a positive integer, got ${describeValue(tryNumber)}`);
    }
    const content = await this.api.log(dagId, runId, taskId, attempt);
    const log: TaskLog = { dagId, runId, taskId, tryNumber: attempt, content };
    this.display(logView(log));
    return summarized(
      log,
      `log of ${taskId}, try ${attempt} (${log.content.split("\n").filter(Boolean).length} lines)`,
    );
  }

  /** DAG files the scheduler could not import, with the reason. */
  async importErrors(): Promise<ImportErrorInfo[]> {
    const errors = await this.api.importErrors();
    this.display(importErrorsView(errors));
    return summarized(errors, `${errors.length} import error(s)`);
  }

  /**
   * Creates one run per schedule interval whose logical date lies in [startDate, endDate],
   * oldest first (`kitelab dags backfill`); the scheduler runs them within `maxActiveRuns`.
   */
  async backfill(dagId: string, options: BackfillOptions): Promise<DagRunInfo[]> {
    checkId(dagId, "dagId");
    const body = {
      start_date: isoDate(options.startDate, "startDate"),
      end_date: isoDate(options.endDate, "endDate"),
      conf: checkConf(options.conf),
    };
    const runs = await this.api.backfill(dagId, body);
    this.display(
      runsView(
        runs,
        `Backfill of <strong>${escapeHtml(dagId)}</strong>: ${runs.length} run(s), one per interval, oldest first:`,
      ),
    );
    return summarized(runs, `${runs.length} backfill run(s) of ${dagId}`);
  }

  /** The status page's address (plus `path`, such as `"success"`), shown as a link. */
  statusUrl(path = ""): string {
    const url = `${this.api.baseUrl()}/${path.replace(/^\/+/, "")}`;
    this.display(noteView(`Status page: <a href="${escapeHtml(url)}" target="_blank">${escapeHtml(url)}</a>`));
    return url;
  }

  /**
   * Opens the status page's `/` as a browser would: it redirects to `/success` or
   * `/failure` according to the last finished run (of `dagId`, when given).
   */
  async statusPage(dagId?: string): Promise<StatusPageInfo> {
    const base = this.api.baseUrl();
    const query = dagId === undefined ? "" : `?dag_id=${encodeURIComponent(checkId(dagId, "dagId"))}`;
    const first = await this.api.page(`${base}/${query}`);
    const location = first.status >= 300 && first.status < 400 ? first.headers.get("location") : null;
    const page = location ? new URL(location, `${base}/`) : new URL(`${base}/${query}`);
    const final = location ? await this.api.page(page.href) : first;
    const html = await final.text();
    const state = /data-run-state="([a-z_]+)"/.exec(html)?.[1] ?? null;
    const info: StatusPageInfo = {
      page: location ? page.pathname.replace(/^.*\/(success|failure)$/, "/$1") : "/",
      state,
      url: page.href,
    };
    const heading = /<h1>([^<]*)<\/h1>/.exec(html)?.[1] ?? "";
    this.display(
      noteView(
        `GET <code>/${escapeHtml(query)}</code> → ${location ? `${first.status} redirect to <code>${escapeHtml(info.page)}</code>` : `${first.status}`}` +
          ` (HTTP ${final.status})${state ? `: ${stateBadge(state)} <strong>${heading}</strong>` : heading ? `: <strong>${heading}</strong>` : ""} — <a href="${escapeHtml(info.url)}" target="_blank">open it</a>`,
      ),
    );
    return summarized(info, `${info.page} (${state ?? "no run yet"})`);
  }

  /**
   * "Why isn't my DAG running?": the scheduler's reasons, in the order they block, shown as
   * a short list. `now` asks as of another instant of the scheduler's clock.
   * @example await kitelab.explain("lab1_hello")
   */
  async explain(dagId: string, options: { now?: Date | string } = {}): Promise<Explanation> {
    checkId(dagId, "dagId");
    const explanation = await this.api.explain(
      dagId,
      options.now === undefined ? undefined : isoDate(options.now, "now"),
    );
    this.display(explanationView(explanation));
    const codes = explanation.reasons.map((reason) => reason.code);
    return summarized(
      explanation,
      `${dagId}: ${explanation.blocked ? "blocked" : "not blocked"}${codes.length > 0 ? ` (${codes.join(", ")})` : ""}`,
    );
  }

  /** The scheduler's clock: real, accelerated or manual, and its time. */
  async clock(): Promise<ClockInfo> {
    const info = await this.api.clock();
    this.display(clockView(info));
    return summarized(info, `clock ${info.mode}: ${info.now}`);
  }

  /**
   * Moves a manual clock forward (the scheduler must run with `--clock manual`, as
   * `startScheduler({ clock: "manual" })` starts it); the runs that become due are created at once.
   * @example await kitelab.advanceClock("1d")
   */
  async advanceClock(duration: string | number): Promise<ClockInfo> {
    if (toMilliseconds(duration, "duration") <= 0)
      throw new ValidationError(
        `Expected \`duration\` to be positive, such as "1d" or "6h", got ${describeValue(duration)}`,
      );
    const info = await this.api.advanceClock(duration);
    this.display(clockView(info));
    return summarized(info, `clock ${info.mode}: ${info.now}`);
  }

  /** The scheduler's `/health` answer, shown as one line. */
  async health(): Promise<{ healthy: boolean; scheduler: string; latestHeartbeat: string | null }> {
    const response = await this.api.page("health", "application/json");
    // A proxy in front of the scheduler may answer with an HTML error page: that is an unknown health, not a crash.
    const body = (parseJson(await response.text()) ?? {}) as {
      scheduler?: { status?: string; latest_scheduler_heartbeat?: string | null };
    };
    const result = {
      healthy: response.ok,
      scheduler: body.scheduler?.status ?? "unknown",
      latestHeartbeat: body.scheduler?.latest_scheduler_heartbeat ?? null,
    };
    this.display(
      noteView(
        `/health: HTTP ${response.status}, scheduler ${escapeHtml(result.scheduler)}, latest heartbeat ${escapeHtml(result.latestHeartbeat ?? "never")}`,
      ),
    );
    return summarized(result, `health: ${result.scheduler}`);
  }

  /**
   * Restarts the running scheduler in place, whoever started it (this notebook, the Launcher,
   * a terminal), so that it reads airflow.cfg again: what `configure(...)` changed applies from
   * now on. Running tasks get 5 seconds to finish. Resolves once the new scheduler runs, on the
   * same address; a config that does not load is refused and the scheduler keeps running as it was.
   * @example configure({ core: { load_examples: false } }); await kitelab.restart();
   */
  async restart(): Promise<{ tookMs: number; configFile: string; startedAt: string }> {
    const result = await this.api.restart();
    this.display(
      noteView(
        `Restarted the scheduler in ${(result.tookMs / 1000).toFixed(1)} s: it read <code>${escapeHtml(result.configFile)}</code> again.`,
      ),
    );
    return summarized(result, `restarted in ${(result.tookMs / 1000).toFixed(1)} s`);
  }

  /**
   * Stops the scheduler that `startScheduler()` started from this notebook, and waits
   * until it has exited. A scheduler started elsewhere (the Launcher, a terminal) is left
   * running, with a note, unless `force`.
   */
  async stop(options: { force?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const running = runningScheduler(this.home);
    const pid = running?.pid ?? this.startedPid;
    if (pid === undefined || !isProcessAlive(pid)) {
      this.display(noteView(`No scheduler is running for <code>${escapeHtml(this.home)}</code>; nothing to stop.`));
      return;
    }
    if (pid !== this.startedPid && !options.force) {
      this.display(
        noteView(
          `The scheduler (pid ${pid}) was not started by this notebook (the Launcher or a terminal did), so it keeps running. Stop it where it runs, or call <code>stop({ force: true })</code>.`,
        ),
      );
      return;
    }
    await stopScheduler(pid, this.home, options.timeoutMs);
    this.display(noteView(`Stopped the scheduler (pid ${pid}).`));
  }

  /** Shows a view unless this client is quiet. */
  display(view: View): void {
    if (!this.options.quiet) show(view.html, view.text);
  }

  [inspect.custom](): string {
    return `SchedulerClient(${this.options.url ?? this.home})`;
  }
}

function checkId(value: unknown, name: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new ValidationError(`Expected \`${name}\` to be a non-empty string, got ${describeValue(value)}`);
  }
  return value;
}

function checkTimeout(value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new ValidationError(
      `Expected \`timeoutMs\` to be a positive number of milliseconds, got ${describeValue(value)}`,
    );
  }
  return value;
}

function checkConf(conf: unknown): Record<string, unknown> {
  if (conf === undefined) return {};
  if (typeof conf !== "object" || conf === null || Array.isArray(conf)) {
    throw new ValidationError(
      `Expected \`conf\` to be an object such as { "min_accuracy": 0.9 }, got ${describeValue(conf)}`,
    );
  }
  return conf as Record<string, unknown>;
}

function isoDate(value: unknown, name: string): string {
  const date =
    value instanceof Date
      ? value
      : typeof value === "string"
        ? new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value)
        : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new ValidationError(
      `Expected \`${name}\` to be a date such as "2024-01-01" or "2024-01-01T06:00:00Z", got ${describeValue(value)}`,
    );
  }
  return date.toISOString();
}

function sameFile(a: string, b: string): boolean {
  return a === b || a.endsWith(`/${b.split("/").pop()}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
