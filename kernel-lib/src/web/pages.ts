import express, { type Request, type Response, type Router } from "express";
import { maskSecretNamedValues } from "../util/secrets.js";
import Handlebars from "handlebars";
import { renderSvg } from "../graph/index.js";
import type { DagRunRecord, TaskInstanceRecord } from "../records.js";
import { isFinished, type TaskInstanceState } from "../states.js";
import { formatDuration } from "../util/duration.js";
import { requireDag, requireRun, requireTaskInstance } from "./rest/lookups.js";
import type { AppContext } from "./context.js";
import { readTaskLog } from "./logs.js";
import { renderMarkdown } from "./markdown.js";
import type { DagSummary } from "./ports.js";
import { HttpError, messageOf } from "./problems.js";
import { checkPathParam } from "./security.js";
import { stateLabel } from "./views.js";
import type { Explanation, Reason } from "../explain/explain.js";

/** Runs per page of a DAG's run history. */
export const RUNS_PER_PAGE = 25;
/** Squares of recent runs in the DAG list. */
export const RECENT_RUNS = 12;

/** The server-rendered pages: the status pages, the DAG list and page, task logs, the outbox, sign-in. */
export function pageRouter(context: AppContext): Router {
  const { deps, guard } = context;
  const read = deps.read;
  const router = express.Router();

  const render = (
    res: Response,
    view: string,
    title: string,
    nav: "dags" | "status" | "outbox" | "none",
    model: Record<string, unknown>,
    status = 200,
  ) => {
    res
      .status(status)
      .type("html")
      .send(context.views.render(view, { ...context.pageModel(res, title, nav), ...model }));
  };

  router.get("/", (req, res) => {
    guard.requireRead(req);
    const chosen = optionalQuery(req, "dag_id");
    const dagId = chosen ?? statusDag(context);
    const run = read.latestFinishedRun(dagId);
    if (!run) {
      render(res, "norun", "No run yet", "status", noRunModel(context, dagId));
      return;
    }
    res.redirect(302, context.url([run.state === "success" ? "success" : "failure"], { dag_id: chosen }));
  });

  for (const expected of ["success", "failed"] as const) {
    router.get(expected === "success" ? "/success" : "/failure", (req, res) => {
      guard.requireRead(req);
      const dagParam = optionalQuery(req, "dag_id");
      const runParam = optionalQuery(req, "run_id");
      const dagId = dagParam === undefined ? statusDag(context) : checkPathParam("DAG id", dagParam);
      let run: DagRunRecord | undefined;
      if (runParam !== undefined) {
        if (dagId === undefined) throw new HttpError(400, "Give `dag_id` together with `run_id`.");
        run = requireRun(context, dagId, runParam);
      } else {
        run = read.latestFinishedRun(dagId);
      }
      if (!run) {
        render(res, "norun", "No run yet", "status", noRunModel(context, dagId));
        return;
      }
      render(res, "status", `${run.dagId}: ${run.state}`, "status", statusModel(context, run, expected, dagParam));
    });
  }

  router.get("/dags", (req, res) => {
    guard.requireRead(req);
    render(res, "dags", "DAGs", "dags", dagListModel(context));
  });

  router.get("/dags/:dagId", (req, res) => {
    guard.requireRead(req);
    const summary = requireDag(context, req.params.dagId);
    render(res, "dag", summary.dag.dagId, "dags", dagPageModel(context, summary, req));
  });

  router.get("/dags/:dagId/runs/:runId/status.json", (req, res) => {
    guard.requireRead(req);
    const run = requireRun(context, req.params.dagId, req.params.runId);
    res.json(runStatusJson(context, run));
  });

  router.get("/dags/:dagId/runs/:runId/tasks/:taskId/log", async (req, res) => {
    guard.requireRead(req);
    const run = requireRun(context, req.params.dagId, req.params.runId);
    const ti = requireTaskInstance(context, run, req.params.taskId);
    const tries = Math.max(ti.tryNumber, 1);
    const tryNumber = positiveIntegerQuery(req, "try") ?? tries;
    const chunk = await readTaskLog(
      deps.logFolder,
      { dagId: run.dagId, runId: run.runId, taskId: ti.taskId, tryNumber },
      undefined,
    );
    const runUrl = context.url(["dags", run.dagId], { run_id: run.runId });
    const explanation = taskExplanation(context, run, ti.taskId);
    render(res, "log", `${ti.taskId} log`, "dags", {
      run,
      ti,
      explanation,
      tryNumber,
      runHref: runUrl,
      dagHref: context.url(["dags", run.dagId]),
      tries: Array.from({ length: Math.max(tries, tryNumber) }, (_, index) => ({
        number: index + 1,
        href: context.url(["dags", run.dagId, "runs", run.runId, "tasks", ti.taskId, "log"], { try: index + 1 }),
        current: index + 1 === tryNumber,
      })),
      content: chunk.content,
      exists: chunk.exists,
      skippedText:
        chunk.skipped > 0
          ? `${Math.round(chunk.skipped / 1024)} KiB left out at the start of this long log.`
          : undefined,
      following: isFollowed(ti, tryNumber),
      nextOffset: chunk.nextOffset,
      logJsonHref: context.url(["dags", run.dagId, "runs", run.runId, "tasks", ti.taskId, "log.json"], {
        try: tryNumber,
      }),
    });
  });

  router.get("/dags/:dagId/runs/:runId/tasks/:taskId/log.json", async (req, res) => {
    guard.requireRead(req);
    const run = requireRun(context, req.params.dagId, req.params.runId);
    const ti = requireTaskInstance(context, run, req.params.taskId);
    const tryNumber = positiveIntegerQuery(req, "try") ?? Math.max(ti.tryNumber, 1);
    const offset = nonNegativeIntegerQuery(req, "offset") ?? 0;
    const chunk = await readTaskLog(
      deps.logFolder,
      { dagId: run.dagId, runId: run.runId, taskId: ti.taskId, tryNumber },
      offset,
    );
    res.json({
      content: chunk.content,
      next_offset: chunk.nextOffset,
      exists: chunk.exists,
      state: ti.state,
      state_label: stateLabel(ti.state),
      following: isFollowed(ti, tryNumber),
      latest_try: ti.tryNumber,
    });
  });

  router.post("/dags/:dagId/pause", async (req, res) => {
    guard.requireFormPost(req);
    const summary = requireDag(context, req.params.dagId);
    const paused = formField(req, "paused");
    if (paused !== "true" && paused !== "false")
      throw new HttpError(400, `Expected \`paused\` to be true or false, got ${JSON.stringify(paused)}.`);
    await deps.control.setPaused(summary.dag.dagId, paused === "true");
    const back =
      formField(req, "return_to") === "dag" ? context.url(["dags", summary.dag.dagId]) : context.url(["dags"]);
    res.redirect(303, back);
  });

  router.post("/dags/:dagId/trigger", async (req, res) => {
    guard.requireFormPost(req);
    const summary = requireDag(context, req.params.dagId);
    const confText = formField(req, "conf") ?? "";
    let conf: Record<string, unknown>;
    try {
      conf = parseConf(confText);
      const run = await deps.control.trigger(summary.dag.dagId, { conf });
      res.redirect(303, context.url(["dags", run.dagId], { run_id: run.runId }));
    } catch (error) {
      if (error instanceof HttpError && error.status !== 400) throw error;
      const model = dagPageModel(context, summary, req, { triggerError: messageOf(error), confText });
      render(res, "dag", summary.dag.dagId, "dags", model, 400);
    }
  });

  router.post("/dags/:dagId/runs/:runId/clear", async (req, res) => {
    guard.requireFormPost(req);
    const run = requireRun(context, req.params.dagId, req.params.runId);
    const taskId = formField(req, "task_id");
    if (taskId !== undefined && taskId !== "") requireTaskInstance(context, run, taskId);
    await deps.control.clear(run.dagId, run.runId, taskId ? [taskId] : undefined);
    res.redirect(303, context.url(["dags", run.dagId], { run_id: run.runId }));
  });

  router.get("/outbox", async (req, res) => {
    guard.requireRead(req);
    const outbox = requireOutbox(context);
    const messages = (await outbox.list())
      .map((entry) => ({
        ...entry,
        to: Array.isArray(entry.to) ? entry.to.join(", ") : entry.to,
        href: context.url(["outbox", entry.id]),
      }))
      .sort((a, b) => b.date.localeCompare(a.date));
    render(res, "outbox", "Outbox", "outbox", { messages });
  });

  router.get("/outbox/:id", async (req, res) => {
    guard.requireRead(req);
    const outbox = requireOutbox(context);
    const id = checkPathParam("message id", req.params.id);
    const text = await outbox.read(id);
    if (text === undefined) throw new HttpError(404, `The outbox has no message '${id}'.`);
    const entry = (await outbox.list()).find((candidate) => candidate.id === id);
    render(res, "message", entry?.subject ?? id, "outbox", { id, entry, text, outboxHref: context.url(["outbox"]) });
  });

  router.get("/login", (req, res) => {
    const token = optionalQuery(req, "token");
    const next = safeNext(context, optionalQuery(req, "next"));
    if (token !== undefined) {
      login(context, res, token, next);
      return;
    }
    render(res, "login", "Sign in", "none", { next, authEnabled: guard.authEnabled });
  });

  router.post("/login", (req, res) => {
    login(context, res, formField(req, "token") ?? "", safeNext(context, formField(req, "next")));
  });

  return router;
}

function login(context: AppContext, res: Response, token: string, next: string): void {
  const cookie = context.guard.sessionCookieFor(token);
  if (!cookie) {
    res
      .status(403)
      .type("html")
      .send(
        context.views.render("login", {
          ...context.pageModel(res, "Sign in", "none"),
          next,
          authEnabled: context.guard.authEnabled,
          error: "That is not the API token. `kitelab info` shows it.",
        }),
      );
    return;
  }
  res.set("Set-Cookie", cookie).redirect(303, next);
}

/** Only a path under the app's own base may be a redirect target. */
function safeNext(context: AppContext, next: string | undefined): string {
  if (next?.startsWith(context.base) && !next.startsWith("//") && !/[\\\s]/.test(next)) return next;
  return context.url(["dags"]);
}

function statusDag(context: AppContext): string | undefined {
  const configured = context.deps.statusDagId?.trim();
  return configured ? configured : undefined;
}

function noRunModel(context: AppContext, dagId: string | undefined) {
  return {
    dagId,
    dagHref: dagId && context.deps.read.dag(dagId) ? context.url(["dags", dagId]) : undefined,
    dagsHref: context.url(["dags"]),
  };
}

const BANNERS: Record<string, { heading: string; verb: string }> = {
  success: { heading: "Success", verb: "succeeded" },
  failed: { heading: "Failed", verb: "failed" },
  running: { heading: "Running", verb: "is running" },
  queued: { heading: "Queued", verb: "is queued" },
};

function statusModel(
  context: AppContext,
  run: DagRunRecord,
  expected: "success" | "failed",
  dagParam: string | undefined,
) {
  const summary = context.deps.read.dag(run.dagId);
  const banner = BANNERS[run.state] ?? { heading: run.state, verb: run.state };
  return {
    run,
    banner,
    expectedLabel: expected === "success" ? "/success" : "/failure",
    matches: run.state === expected,
    rightHref:
      run.state === "success" || run.state === "failed"
        ? context.url([run.state === "success" ? "success" : "failure"], { dag_id: dagParam })
        : undefined,
    durationMs: durationBetween(run.startDate, run.endDate),
    tasks: taskRows(context, run, summary),
    dagHref: context.url(["dags", run.dagId], { run_id: run.runId }),
    // Secret-named values are masked, as in the API: the page is for people, the task gets them.
    confText: Object.keys(run.conf).length > 0 ? JSON.stringify(maskSecretNamedValues(run.conf), null, 2) : undefined,
  };
}

function taskRows(context: AppContext, run: DagRunRecord, summary: DagSummary | undefined) {
  const instances = orderedInstances(context.deps.read.taskInstances(run.dagId, run.runId), summary);
  const operators = new Map((summary?.dag.tasks ?? []).map((task) => [task.taskId, task.operator]));
  return instances.map((ti) => ({
    taskId: ti.taskId,
    operator: operators.get(ti.taskId),
    state: ti.state,
    tryNumber: ti.tryNumber,
    maxTries: ti.maxTries,
    durationMs: ti.durationMs,
    startDate: ti.startDate,
    logHref:
      ti.tryNumber >= 1 ? context.url(["dags", run.dagId, "runs", run.runId, "tasks", ti.taskId, "log"]) : undefined,
    error: ti.error?.message,
  }));
}

/** The reasons of one run's tasks, each on its row. */
function withWaitingReasons<T extends { taskId: string }>(
  rows: T[],
  explanation: Explanation | undefined,
  runId: string,
): Array<T & { waiting?: Reason }> {
  return rows.map((row) => ({
    ...row,
    waiting: explanation?.reasons.find((reason) => reason.runId === runId && reason.taskId === row.taskId),
  }));
}

/** "Why isn't this task running?": the DAG-wide reasons and this task's own, when anything holds it. */
function taskExplanation(context: AppContext, run: DagRunRecord, taskId: string): Explanation | undefined {
  const explanation = context.deps.explainer?.explain(run.dagId, { runId: run.runId });
  if (!explanation) return undefined;
  const reasons = explanation.reasons.filter((reason) =>
    reason.taskId === undefined
      ? run.state === "queued" || reason.code === "no_scheduler"
      : reason.runId === run.runId && reason.taskId === taskId,
  );
  return reasons.length > 0 ? { ...explanation, reasons } : undefined;
}

function orderedInstances(instances: TaskInstanceRecord[], summary: DagSummary | undefined): TaskInstanceRecord[] {
  const order = new Map((summary?.dag.tasks ?? []).map((task, index) => [task.taskId, index]));
  return [...instances].sort(
    (a, b) => (order.get(a.taskId) ?? Infinity) - (order.get(b.taskId) ?? Infinity) || a.taskId.localeCompare(b.taskId),
  );
}

function dagListModel(context: AppContext) {
  const read = context.deps.read;
  const dags = read
    .dags()
    .filter((summary) => summary.isActive)
    .sort((a, b) => a.dag.dagId.localeCompare(b.dag.dagId))
    .map((summary) => {
      const dagId = summary.dag.dagId;
      const recent = read.runs({ dagId, orderBy: "-execution_date", limit: RECENT_RUNS, offset: 0 });
      return {
        dagId,
        href: context.url(["dags", dagId]),
        description: summary.dag.description,
        tags: summary.dag.tags,
        schedule: summary.dag.schedule ?? "None",
        paused: summary.isPaused,
        pauseAction: context.url(["dags", dagId, "pause"]),
        triggerAction: context.url(["dags", dagId, "trigger"]),
        nextRunAfter: summary.isPaused ? undefined : summary.nextRunAfter,
        runCount: recent.total,
        recentRuns: [...recent.items].reverse().map((run) => ({
          state: run.state,
          title: `${run.runId} — ${run.state}`,
          href: context.url(["dags", dagId], { run_id: run.runId }),
        })),
      };
    });
  const importErrors = read.importErrors().map((error) => ({ ...error, text: `${error.name}: ${error.message}` }));
  return { dags, importErrors };
}

function dagPageModel(
  context: AppContext,
  summary: DagSummary,
  req: Request,
  extra: { triggerError?: string; confText?: string } = {},
) {
  const read = context.deps.read;
  const dag = summary.dag;
  const total = read.runs({ dagId: dag.dagId, limit: 1, offset: 0 }).total;
  const pages = Math.max(1, Math.ceil(total / RUNS_PER_PAGE));
  const page = Math.min(positiveIntegerQuery(req, "page") ?? 1, pages);
  const history = read.runs({
    dagId: dag.dagId,
    orderBy: "-execution_date",
    limit: RUNS_PER_PAGE,
    offset: (page - 1) * RUNS_PER_PAGE,
  });
  const runParam = optionalQuery(req, "run_id");
  const selected =
    runParam !== undefined
      ? requireRun(context, dag.dagId, runParam)
      : read.runs({ dagId: dag.dagId, orderBy: "-execution_date", limit: 1, offset: 0 }).items[0];
  const instances = selected ? read.taskInstances(dag.dagId, selected.runId) : [];
  const stateOf = new Map(instances.map((ti) => [ti.taskId, ti]));
  let graph: Handlebars.SafeString | undefined;
  let graphError: string | undefined;
  try {
    const svg = renderSvg(
      {
        dagId: dag.dagId,
        tasks: dag.tasks.map((task) => ({
          taskId: task.taskId,
          upstreamIds: [...task.upstreamIds],
          operator: task.operator,
          triggerRule: task.triggerRule,
          state: selected ? (stateOf.get(task.taskId)?.state ?? "none") : undefined,
          tryNumber: stateOf.get(task.taskId)?.tryNumber,
        })),
      },
      { title: false },
    );
    graph = new Handlebars.SafeString(withNonce(svg, context, req));
  } catch (error) {
    graphError = messageOf(error);
  }
  const explanation = context.deps.explainer?.explain(dag.dagId, { runId: selected?.runId });
  const pageHref = (number: number) =>
    context.url(["dags", dag.dagId], { page: number === 1 ? undefined : number, run_id: runParam });
  return {
    dag,
    summary,
    paused: summary.isPaused,
    pauseAction: context.url(["dags", dag.dagId, "pause"]),
    triggerAction: context.url(["dags", dag.dagId, "trigger"]),
    confText: extra.confText ?? (Object.keys(dag.params).length > 0 ? JSON.stringify(dag.params, null, 2) : "{}"),
    triggerError: extra.triggerError,
    schedule: dag.schedule ?? "None (manual runs only)",
    nextRunAfter: summary.isPaused ? undefined : summary.nextRunAfter,
    doc: dag.doc ? new Handlebars.SafeString(renderMarkdown(dag.doc)) : undefined,
    graph,
    graphError,
    selected,
    selectedFinished: selected ? selected.state === "success" || selected.state === "failed" : true,
    selectedDurationMs: selected ? durationBetween(selected.startDate, selected.endDate) : undefined,
    statusHref: selected ? context.url(["dags", dag.dagId, "runs", selected.runId, "status.json"]) : undefined,
    clearAction: selected ? context.url(["dags", dag.dagId, "runs", selected.runId, "clear"]) : undefined,
    tasks: selected ? withWaitingReasons(taskRows(context, selected, summary), explanation, selected.runId) : [],
    explanation,
    runs: history.items.map((run) => ({
      ...run,
      href: context.url(["dags", dag.dagId], { run_id: run.runId, page: page === 1 ? undefined : page }),
      selected: run.runId === selected?.runId,
      durationMs: durationBetween(run.startDate, run.endDate),
    })),
    totalRuns: history.total,
    pagination: pages > 1 ? paginationModel(page, pages, pageHref) : undefined,
    damagedRuns: (read.damagedFiles?.() ?? []).filter((file) => file.dagId === dag.dagId),
  };
}

/** Page links: first, previous, a window around the current page, next, last. */
export function paginationModel(page: number, pages: number, href: (page: number) => string) {
  const numbers: Array<{ number?: number; href?: string; current?: boolean; gap?: boolean }> = [];
  const wanted = new Set([1, pages, page - 2, page - 1, page, page + 1, page + 2].filter((n) => n >= 1 && n <= pages));
  let previous = 0;
  for (const number of [...wanted].sort((a, b) => a - b)) {
    if (number - previous > 1) numbers.push({ gap: true });
    numbers.push({ number, href: href(number), current: number === page });
    previous = number;
  }
  return {
    page,
    pages,
    numbers,
    prevHref: page > 1 ? href(page - 1) : undefined,
    nextHref: page < pages ? href(page + 1) : undefined,
  };
}

function runStatusJson(context: AppContext, run: DagRunRecord) {
  const summary = context.deps.read.dag(run.dagId);
  return {
    dag_id: run.dagId,
    run_id: run.runId,
    state: run.state,
    state_label: stateLabel(run.state),
    finished: run.state === "success" || run.state === "failed",
    duration: formatOptionalDuration(durationBetween(run.startDate, run.endDate)),
    tasks: taskRows(context, run, summary).map((row) => ({
      task_id: row.taskId,
      state: row.state,
      state_label: stateLabel(row.state),
      try_number: row.tryNumber,
      duration: formatOptionalDuration(row.durationMs),
      log_href: row.logHref ?? null,
    })),
  };
}

/** Adds the response's CSP nonce to the SVG's `<style>`; its inline `style` attribute moves to the style sheet. */
function withNonce(svg: string, _context: AppContext, req: Request): string {
  const nonce = String(req.res?.locals.nonce ?? "");
  return svg.replace("<style>", `<style nonce="${nonce}">`).replace(' style="max-width: 100%; height: auto"', "");
}

function isFollowed(ti: TaskInstanceRecord, tryNumber: number): boolean {
  const active: ReadonlySet<TaskInstanceState> = new Set(["running", "queued", "scheduled", "up_for_retry", "none"]);
  return active.has(ti.state) && !isFinished(ti.state) && tryNumber >= ti.tryNumber;
}

function durationBetween(start: string | undefined, end: string | undefined): number | undefined {
  if (!start || !end) return undefined;
  const ms = new Date(end).getTime() - new Date(start).getTime();
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

function formatOptionalDuration(ms: number | undefined): string {
  return ms === undefined ? "—" : formatDuration(ms);
}

function parseConf(text: string): Record<string, unknown> {
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpError(
      400,
      `The run configuration is not valid JSON (${messageOf(error)}). Write an object such as {"key": "value"}.`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(
      400,
      `The run configuration must be a JSON object such as {"key": "value"}, got ${JSON.stringify(value)}.`,
    );
  }
  return value as Record<string, unknown>;
}

function requireOutbox(context: AppContext) {
  if (!context.deps.outbox) throw new HttpError(404, "This Kitelab has no mail outbox.");
  return context.deps.outbox;
}

function optionalQuery(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined || value === "") return undefined;
  if (typeof value !== "string") throw new HttpError(400, `Expected \`${name}\` once, got ${JSON.stringify(value)}.`);
  return value;
}

function formField(req: Request, name: string): string | undefined {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new HttpError(400, `Expected the form field \`${name}\` once.`);
  return value;
}

function positiveIntegerQuery(req: Request, name: string): number | undefined {
  const value = nonNegativeIntegerQuery(req, name);
  if (value === 0) throw new HttpError(400, `Expected \`${name}\` to be a positive integer, got 0.`);
  return value;
}

function nonNegativeIntegerQuery(req: Request, name: string): number | undefined {
  const value = optionalQuery(req, name);
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value))
    throw new HttpError(400, `Expected \`${name}\` to be a whole number, got ${JSON.stringify(value)}.`);
  return Number(value);
}
