import express, { type Request, type Response, type Router } from "express";
import type { DagRunRecord, TaskInstanceRecord } from "../records.js";
import { DAG_RUN_STATES, type DagRunState } from "../states.js";
import { dagDetailsJson, dagJson, dagRunJson, taskInstanceJson, taskInstanceReference, taskJson } from "./airflowShapes.js";
import type { AppContext } from "./app.js";
import { readTaskLog } from "./logs.js";
import type { DagSummary } from "./ports.js";
import { HttpError, messageOf, statusOfControlError } from "./problems.js";
import { checkPathParam } from "./security.js";

/** Airflow's `maximum_page_limit` default. */
export const API_MAX_LIMIT = 100;

/** `order_by` values of the dagRuns list, mapped to the read model's. */
const RUN_ORDERS: Record<string, string> = {
  execution_date: "execution_date",
  logical_date: "execution_date",
  start_date: "start_date",
  end_date: "end_date",
};

/**
 * `/api/v1`: the Airflow 2 stable REST API subset Kitelab serves. Reads follow `exposeReads`;
 * writes need the token in a header. Every error is a JSON problem object.
 */
export function apiRouter(context: AppContext): Router {
  const { deps, guard } = context;
  const read = deps.read;
  const router = express.Router();

  router.use((req, _res, next) => {
    if (req.method === "GET" || req.method === "HEAD") guard.requireRead(req);
    else guard.requireTokenHeader(req);
    next();
  });

  router.get("/dags", (req, res) => {
    const { limit, offset } = pagination(req);
    const paused = booleanQuery(req, "paused");
    const pattern = stringQuery(req, "dag_id_pattern");
    const tags = listQuery(req, "tags");
    const onlyActive = booleanQuery(req, "only_active") ?? true;
    const errors = importErrorFiles(context);
    const dags = read
      .dags()
      .filter((summary) => !onlyActive || summary.isActive)
      .filter((summary) => paused === undefined || summary.isPaused === paused)
      .filter((summary) => pattern === undefined || summary.dag.dagId.toLowerCase().includes(pattern.toLowerCase()))
      .filter((summary) => tags.length === 0 || tags.some((tag) => summary.dag.tags.includes(tag)))
      .sort((a, b) => a.dag.dagId.localeCompare(b.dag.dagId));
    res.json({
      dags: dags.slice(offset, offset + limit).map((summary) => dagJson(summary, errors.has(summary.dag.fileloc))),
      total_entries: dags.length,
    });
  });

  router.get("/dags/:dagId", (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    res.json(dagJson(summary, importErrorFiles(context).has(summary.dag.fileloc)));
  });

  router.get("/dags/:dagId/details", (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    res.json(dagDetailsJson(summary, importErrorFiles(context).has(summary.dag.fileloc)));
  });

  router.get("/dags/:dagId/tasks", (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    res.json({ tasks: summary.dag.tasks.map(taskJson), total_entries: summary.dag.tasks.length });
  });

  router.patch("/dags/:dagId", async (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    const body = objectBody(req);
    const mask = listQuery(req, "update_mask");
    if (mask.some((field) => field !== "is_paused")) {
      throw new HttpError(400, `Only \`is_paused\` can be updated, got update_mask ${JSON.stringify(mask)}.`);
    }
    if (typeof body.is_paused !== "boolean") {
      throw new HttpError(400, `Expected \`is_paused\` to be true or false, got ${JSON.stringify(body.is_paused) ?? "nothing"}.`);
    }
    await control(() => deps.control.setPaused(summary.dag.dagId, body.is_paused as boolean));
    const updated = read.dag(summary.dag.dagId) ?? { ...summary, isPaused: body.is_paused };
    res.json(dagJson(updated, importErrorFiles(context).has(summary.dag.fileloc)));
  });

  router.get("/dags/:dagId/dagRuns", (req, res) => {
    const dagParam = checkPathParam("DAG id", req.params.dagId);
    const dagId = dagParam === "~" ? undefined : requireDag(context, dagParam).dag.dagId;
    const { limit, offset } = pagination(req);
    const states = listQuery(req, "state");
    for (const state of states) {
      if (!(DAG_RUN_STATES as readonly string[]).includes(state)) {
        throw new HttpError(400, `Expected \`state\` to be one of ${DAG_RUN_STATES.join(", ")}, got ${JSON.stringify(state)}.`);
      }
    }
    const orderBy = runOrder(stringQuery(req, "order_by"));
    const page = read.runs({ dagId, states: states.length > 0 ? (states as DagRunState[]) : undefined, orderBy, limit, offset });
    res.json({ dag_runs: page.items.map(dagRunJson), total_entries: page.total });
  });

  router.post("/dags/:dagId/dagRuns", async (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    const body = objectBody(req);
    const conf = body.conf ?? {};
    if (typeof conf !== "object" || conf === null || Array.isArray(conf)) {
      throw new HttpError(400, `Expected \`conf\` to be a JSON object, got ${JSON.stringify(conf)}.`);
    }
    const logicalDate = dateField(body, "logical_date") ?? dateField(body, "execution_date");
    let runId: string | undefined;
    if (body.dag_run_id !== undefined && body.dag_run_id !== null) {
      runId = checkPathParam("dag_run_id", body.dag_run_id);
      if (read.run(summary.dag.dagId, runId)) {
        throw new HttpError(409, `DAGRun with DAG ID: '${summary.dag.dagId}' and DAGRun ID: '${runId}' already exists`);
      }
    }
    const run = await control(() =>
      deps.control.trigger(summary.dag.dagId, { conf: conf as Record<string, unknown>, logicalDate, runId }),
    );
    res.status(200).json(dagRunJson(run));
  });

  // Kitelab's addition (Airflow 3 has /api/v2/backfills): used by `kitelab dags backfill`.
  router.post("/dags/:dagId/backfill", async (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    const body = objectBody(req);
    const start = dateField(body, "start_date");
    const end = dateField(body, "end_date");
    if (!start || !end) throw new HttpError(400, "Expected `start_date` and `end_date` as ISO-8601 dates.");
    const backfill = deps.control.backfill;
    if (!backfill) throw new HttpError(501, "This server cannot backfill.");
    const conf = body.conf ?? {};
    const runs = await control(() => backfill(summary.dag.dagId, start, end, conf as Record<string, unknown>));
    res.json({ dag_runs: runs.map(dagRunJson), total_entries: runs.length });
  });

  router.get("/dags/:dagId/dagRuns/:runId", (req, res) => {
    res.json(dagRunJson(requireRun(context, req.params.dagId, req.params.runId)));
  });

  router.get("/dags/:dagId/dagRuns/:runId/taskInstances", (req, res) => {
    const run = requireRun(context, req.params.dagId, req.params.runId);
    const operators = operatorsOf(read.dag(run.dagId));
    const instances = read.taskInstances(run.dagId, run.runId);
    res.json({
      task_instances: instances.map((ti) => taskInstanceJson(ti, run, operators.get(ti.taskId))),
      total_entries: instances.length,
    });
  });

  router.get("/dags/:dagId/dagRuns/:runId/taskInstances/:taskId", (req, res) => {
    const run = requireRun(context, req.params.dagId, req.params.runId);
    const ti = requireTaskInstance(context, run, req.params.taskId);
    res.json(taskInstanceJson(ti, run, operatorsOf(read.dag(run.dagId)).get(ti.taskId)));
  });

  router.get("/dags/:dagId/dagRuns/:runId/taskInstances/:taskId/logs/:tryNumber", async (req, res) => {
    const run = requireRun(context, req.params.dagId, req.params.runId);
    const ti = requireTaskInstance(context, run, req.params.taskId);
    const tryNumber = Number(req.params.tryNumber);
    if (!Number.isInteger(tryNumber) || tryNumber < 1 || String(tryNumber) !== req.params.tryNumber) {
      throw new HttpError(400, `Expected the try number to be a positive integer, got ${JSON.stringify(req.params.tryNumber)}.`);
    }
    const fullContent = booleanQuery(req, "full_content") ?? false;
    const token = stringQuery(req, "token");
    const offset = token === undefined || fullContent ? 0 : offsetOfToken(token);
    const chunk = await readTaskLog(deps.logFolder, { dagId: run.dagId, runId: run.runId, taskId: ti.taskId, tryNumber }, offset);
    if (!chunk.exists && tryNumber > Math.max(ti.tryNumber, 1)) {
      throw new HttpError(404, `Task '${ti.taskId}' has had ${ti.tryNumber} attempt(s); there is no log for try ${tryNumber}.`);
    }
    const continuation = Buffer.from(`o:${chunk.nextOffset}`).toString("base64url");
    if (req.accepts(["text/plain", "application/json"]) === "application/json") {
      res.json({ content: chunk.content, continuation_token: continuation });
    } else {
      res.type("text/plain; charset=utf-8").send(chunk.content);
    }
  });

  router.post("/dags/:dagId/clearTaskInstances", async (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    const body = objectBody(req);
    const selection = selectForClear(context, summary, body);
    if (body.dry_run !== false) {
      res.json({ task_instances: selection.map(({ ti, run }) => taskInstanceReference(ti, run)) });
      return;
    }
    const byRun = new Map<string, { run: DagRunRecord; taskIds: string[] }>();
    for (const { ti, run } of selection) {
      const entry = byRun.get(run.runId) ?? { run, taskIds: [] };
      entry.taskIds.push(ti.taskId);
      byRun.set(run.runId, entry);
    }
    for (const { run, taskIds } of byRun.values()) await control(() => deps.control.clear(run.dagId, run.runId, taskIds));
    res.json({ task_instances: selection.map(({ ti, run }) => taskInstanceReference(ti, run)) });
  });

  router.get("/importErrors", (req, res) => {
    const { limit, offset } = pagination(req);
    const errors = read.importErrors();
    res.json({
      import_errors: errors.slice(offset, offset + limit).map((error, index) => ({
        import_error_id: offset + index + 1,
        timestamp: error.timestamp,
        filename: error.file,
        stack_trace: error.stack ?? `${error.name}: ${error.message}`,
      })),
      total_entries: errors.length,
    });
  });

  router.use((req: Request, _res: Response) => {
    throw new HttpError(404, `The API has no ${req.method} ${req.baseUrl}${req.path}.`);
  });
  return router;
}

async function control<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new HttpError(statusOfControlError(error), messageOf(error));
  }
}

export function requireDag(context: AppContext, dagParam: unknown): DagSummary {
  const dagId = checkPathParam("DAG id", dagParam);
  const summary = context.deps.read.dag(dagId);
  if (!summary) throw new HttpError(404, `The DAG with dag_id: '${dagId}' was not found`, "DAG not found");
  return summary;
}

export function requireRun(context: AppContext, dagParam: unknown, runParam: unknown): DagRunRecord {
  const summary = requireDag(context, dagParam);
  const runId = checkPathParam("DAG run id", runParam);
  const run = context.deps.read.run(summary.dag.dagId, runId);
  if (!run) throw new HttpError(404, `DAGRun with DAG ID: '${summary.dag.dagId}' and DagRun ID: '${runId}' not found`, "DAGRun not found");
  return run;
}

export function requireTaskInstance(context: AppContext, run: DagRunRecord, taskParam: unknown): TaskInstanceRecord {
  const taskId = checkPathParam("task id", taskParam);
  const ti = context.deps.read.taskInstances(run.dagId, run.runId).find((instance) => instance.taskId === taskId);
  if (!ti) throw new HttpError(404, `Task instance '${taskId}' not found in DAG run '${run.runId}'`, "Task instance not found");
  return ti;
}

function selectForClear(context: AppContext, summary: DagSummary, body: Record<string, unknown>): Array<{ ti: TaskInstanceRecord; run: DagRunRecord }> {
  const read = context.deps.read;
  const dagId = summary.dag.dagId;
  const onlyFailed = optionalBoolean(body, "only_failed") ?? true;
  const onlyRunning = optionalBoolean(body, "only_running") ?? false;
  const includeUpstream = optionalBoolean(body, "include_upstream") ?? false;
  const includeDownstream = optionalBoolean(body, "include_downstream") ?? false;
  let taskIds: Set<string> | undefined;
  if (body.task_ids !== undefined) {
    if (!Array.isArray(body.task_ids) || !body.task_ids.every((id) => typeof id === "string")) {
      throw new HttpError(400, `Expected \`task_ids\` to be a list of task ids, got ${JSON.stringify(body.task_ids)}.`);
    }
    taskIds = withRelatives(summary, new Set(body.task_ids as string[]), includeUpstream, includeDownstream);
  }
  let runs: DagRunRecord[];
  if (body.dag_run_id !== undefined && body.dag_run_id !== null) {
    const runId = checkPathParam("dag_run_id", body.dag_run_id);
    const run = read.run(dagId, runId);
    if (!run) throw new HttpError(404, `DAGRun with DAG ID: '${dagId}' and DagRun ID: '${runId}' not found`, "DAGRun not found");
    runs = [run];
  } else {
    const start = dateField(body, "start_date");
    const end = dateField(body, "end_date");
    if (start === undefined && end === undefined) {
      throw new HttpError(400, "Name the runs to clear: give `dag_run_id`, or `start_date` and/or `end_date` (logical dates).");
    }
    runs = allRuns(context, dagId).filter((run) => {
      const at = new Date(run.logicalDate).getTime();
      return (start === undefined || at >= start.getTime()) && (end === undefined || at <= end.getTime());
    });
  }
  return runs.flatMap((run) =>
    read
      .taskInstances(dagId, run.runId)
      .filter((ti) => taskIds === undefined || taskIds.has(ti.taskId))
      .filter((ti) => !onlyFailed || ti.state === "failed" || ti.state === "upstream_failed")
      .filter((ti) => !onlyRunning || ti.state === "running")
      .map((ti) => ({ ti, run })),
  );
}

function allRuns(context: AppContext, dagId: string): DagRunRecord[] {
  const runs: DagRunRecord[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = context.deps.read.runs({ dagId, orderBy: "execution_date", limit: 500, offset });
    runs.push(...page.items);
    if (page.items.length < 500 || runs.length >= page.total) return runs;
  }
}

function withRelatives(summary: DagSummary, ids: Set<string>, upstream: boolean, downstream: boolean): Set<string> {
  const result = new Set(ids);
  const tasks = new Map(summary.dag.tasks.map((task) => [task.taskId, task]));
  const walk = (next: (id: string) => readonly string[]) => {
    const queue = [...ids];
    while (queue.length > 0) {
      for (const relative of next(queue.pop()!)) {
        if (!result.has(relative)) {
          result.add(relative);
          queue.push(relative);
        }
      }
    }
  };
  if (upstream) walk((id) => [...(tasks.get(id)?.upstreamIds ?? [])]);
  if (downstream) walk((id) => tasks.get(id)?.downstreamIds ?? []);
  return result;
}

function operatorsOf(summary: DagSummary | undefined): Map<string, string> {
  return new Map((summary?.dag.tasks ?? []).map((task) => [task.taskId, task.operator]));
}

function importErrorFiles(context: AppContext): Set<string> {
  return new Set(context.deps.read.importErrors().map((error) => error.file));
}

function runOrder(value: string | undefined): string {
  if (value === undefined) return "execution_date";
  const descending = value.startsWith("-");
  const field = RUN_ORDERS[descending ? value.slice(1) : value];
  if (field === undefined) {
    throw new HttpError(
      400,
      `Ordering with '${value}' is disallowed or the attribute does not exist on the model; use one of ${Object.keys(RUN_ORDERS).join(", ")}, with '-' for newest first.`,
    );
  }
  return descending ? `-${field}` : field;
}

function pagination(req: Request): { limit: number; offset: number } {
  const limit = integerQuery(req, "limit") ?? API_MAX_LIMIT;
  const offset = integerQuery(req, "offset") ?? 0;
  if (limit < 1) throw new HttpError(400, `Expected \`limit\` to be a positive integer, got ${limit}.`);
  return { limit: Math.min(limit, API_MAX_LIMIT), offset };
}

function integerQuery(req: Request, name: string): number | undefined {
  const value = stringQuery(req, name);
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new HttpError(400, `Expected \`${name}\` to be a non-negative integer, got ${JSON.stringify(value)}.`);
  return Number(value);
}

function stringQuery(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new HttpError(400, `Expected \`${name}\` once, got ${JSON.stringify(value)}.`);
  return value;
}

function listQuery(req: Request, name: string): string[] {
  const value = req.query[name];
  if (value === undefined) return [];
  const values = Array.isArray(value) ? value : [value];
  if (!values.every((item): item is string => typeof item === "string")) {
    throw new HttpError(400, `Expected \`${name}\` to be repeated plain values, got ${JSON.stringify(value)}.`);
  }
  return values.flatMap((item) => item.split(",")).map((item) => item.trim()).filter((item) => item !== "");
}

function booleanQuery(req: Request, name: string): boolean | undefined {
  const value = stringQuery(req, name);
  if (value === undefined) return undefined;
  if (/^(true|1)$/i.test(value)) return true;
  if (/^(false|0)$/i.test(value)) return false;
  throw new HttpError(400, `Expected \`${name}\` to be true or false, got ${JSON.stringify(value)}.`);
}

function objectBody(req: Request): Record<string, unknown> {
  const hasBody = Number(req.get("content-length") ?? 0) > 0 || req.get("transfer-encoding") !== undefined;
  if (!hasBody) return {};
  if (!req.is(["application/json", "application/*+json"])) {
    throw new HttpError(415, "Send the request body as JSON (Content-Type: application/json).");
  }
  const body: unknown = req.body;
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, `Expected the request body to be a JSON object, got ${JSON.stringify(body)}.`);
  }
  return body as Record<string, unknown>;
}

function optionalBoolean(body: Record<string, unknown>, name: string): boolean | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw new HttpError(400, `Expected \`${name}\` to be true or false, got ${JSON.stringify(value)}.`);
  return value;
}

function dateField(body: Record<string, unknown>, name: string): Date | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new HttpError(400, `Expected \`${name}\` to be an ISO 8601 date with a time zone, such as "2024-01-01T00:00:00+00:00", got ${JSON.stringify(value)}.`);
  }
  return new Date(value);
}

function offsetOfToken(token: string): number {
  const match = /^o:(\d{1,15})$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  if (!match) throw new HttpError(400, "The continuation token is not one this server gave out.");
  return Number(match[1]);
}
