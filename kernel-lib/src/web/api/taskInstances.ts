import express, { type Router } from "express";
import { MARKABLE_TASK_STATES, type MarkableTaskState } from "../../engine/markState.js";
import type { DagRunRecord, TaskInstanceRecord } from "../../records.js";
import { TASK_INSTANCE_STATES } from "../../states.js";
import { taskInstanceJson, taskInstanceReference } from "../airflowShapes.js";
import { AIRFLOW2_LISTS } from "../rest/dialect.js";
import type { AppContext } from "../context.js";
import { readTaskLog } from "../logs.js";
import type { DagSummary } from "../ports.js";
import { HttpError } from "../problems.js";
import { checkPathParam } from "../security.js";
import {
  allRuns,
  control,
  dagOrAll,
  operatorsOf,
  requireDag,
  requireRun,
  requireTaskInstance,
} from "../rest/lookups.js";
import {
  booleanQuery,
  dateField,
  dateQuery,
  formPage,
  inRange,
  listQuery,
  objectBody,
  optionalBoolean,
  optionalString,
  optionalStringList,
  pageOf,
  requiredNote,
  requiredString,
  stringQuery,
} from "../rest/request.js";

export interface Selected {
  ti: TaskInstanceRecord;
  run: DagRunRecord;
}

/** Task instances: lists, one, logs, mark, note, clear. */
export function taskInstancesRouter(context: AppContext): Router {
  const { deps } = context;
  const read = deps.read;
  const router = express.Router();

  const json = ({ ti, run }: Selected) => taskInstanceJson(ti, run, operatorsOf(read.dag(run.dagId)).get(ti.taskId));

  router.get("/dags/:dagId/dagRuns/:runId/taskInstances", (req, res) => {
    const dagId = dagOrAll(context, req.params.dagId);
    const runParam = checkPathParam("DAG run id", req.params.runId);
    const runs = runParam === "~" ? allRuns(context, dagId) : [requireRun(context, dagId ?? "~", runParam)];
    const states = listQuery(req, "state");
    const pools = listQuery(req, "pool");
    const selected = instancesOf(context, runs).filter(
      ({ ti, run }) =>
        (states.length === 0 || states.includes(ti.state)) &&
        (pools.length === 0 || pools.includes(ti.pool ?? "default_pool")) &&
        inRange(run.logicalDate, {
          gte: dateQuery(req, "execution_date_gte"),
          lte: dateQuery(req, "execution_date_lte"),
        }) &&
        inRange(ti.startDate, { gte: dateQuery(req, "start_date_gte"), lte: dateQuery(req, "start_date_lte") }) &&
        inRange(ti.endDate, { gte: dateQuery(req, "end_date_gte"), lte: dateQuery(req, "end_date_lte") }),
    );
    const { items, total_entries } = pageOf(selected, AIRFLOW2_LISTS.page(req));
    res.json({ task_instances: items.map(json), total_entries });
  });

  router.post("/dags/~/dagRuns/~/taskInstances/list", (req, res) => {
    const body = objectBody(req);
    const dagIds = optionalStringList(body, "dag_ids");
    const runIds = optionalStringList(body, "dag_run_ids");
    const taskIds = optionalStringList(body, "task_ids");
    const states = optionalStringList(body, "state");
    const pools = optionalStringList(body, "pool");
    for (const state of states ?? []) checkTaskState(state);
    const runs = (dagIds ?? [undefined]).flatMap((dagId) =>
      dagId === undefined || read.dag(dagId) ? allRuns(context, dagId) : [],
    );
    const selected = instancesOf(
      context,
      runs.filter((run) => runIds === undefined || runIds.includes(run.runId)),
    ).filter(
      ({ ti, run }) =>
        (taskIds === undefined || taskIds.includes(ti.taskId)) &&
        (states === undefined || states.includes(ti.state)) &&
        (pools === undefined || pools.includes(ti.pool ?? "default_pool")) &&
        inRange(run.logicalDate, {
          gte: dateField(body, "execution_date_gte"),
          lte: dateField(body, "execution_date_lte"),
        }) &&
        inRange(ti.startDate, { gte: dateField(body, "start_date_gte"), lte: dateField(body, "start_date_lte") }) &&
        inRange(ti.endDate, { gte: dateField(body, "end_date_gte"), lte: dateField(body, "end_date_lte") }),
    );
    const { items, total_entries } = pageOf(selected, formPage(body));
    res.json({ task_instances: items.map(json), total_entries });
  });

  router.get("/dags/:dagId/dagRuns/:runId/taskInstances/:taskId", (req, res) => {
    const run = requireRun(context, req.params.dagId, req.params.runId);
    res.json(json({ ti: requireTaskInstance(context, run, req.params.taskId), run }));
  });

  router.patch("/dags/:dagId/dagRuns/:runId/taskInstances/:taskId", async (req, res) => {
    const run = requireRun(context, req.params.dagId, req.params.runId);
    const ti = requireTaskInstance(context, run, req.params.taskId);
    const body = objectBody(req);
    const state = markableState(requiredString(body, "new_state"));
    if (optionalBoolean(body, "dry_run") === false)
      await control(() => deps.control.setTaskInstanceState(run.dagId, run.runId, [ti.taskId], state));
    res.json(taskInstanceReference(ti, run));
  });

  router.patch("/dags/:dagId/dagRuns/:runId/taskInstances/:taskId/setNote", async (req, res) => {
    const run = requireRun(context, req.params.dagId, req.params.runId);
    const ti = requireTaskInstance(context, run, req.params.taskId);
    const note = requiredNote(objectBody(req));
    await control(() => deps.control.setNote(run.dagId, run.runId, ti.taskId, note));
    res.json(json({ ti: requireTaskInstance(context, run, ti.taskId), run }));
  });

  router.get("/dags/:dagId/dagRuns/:runId/taskInstances/:taskId/logs/:tryNumber", async (req, res) => {
    const run = requireRun(context, req.params.dagId, req.params.runId);
    const ti = requireTaskInstance(context, run, req.params.taskId);
    const tryNumber = Number(req.params.tryNumber);
    if (!Number.isInteger(tryNumber) || tryNumber < 1 || String(tryNumber) !== req.params.tryNumber) {
      throw new HttpError(
        400,
        `Expected the try number to be a positive integer, got ${JSON.stringify(req.params.tryNumber)}.`,
      );
    }
    const fullContent = booleanQuery(req, "full_content") ?? false;
    const token = stringQuery(req, "token");
    const offset = token === undefined || fullContent ? 0 : offsetOfToken(token);
    const chunk = await readTaskLog(
      deps.logFolder,
      { dagId: run.dagId, runId: run.runId, taskId: ti.taskId, tryNumber },
      offset,
    );
    if (!chunk.exists && tryNumber > Math.max(ti.tryNumber, 1)) {
      throw new HttpError(
        404,
        `Task '${ti.taskId}' has had ${ti.tryNumber} attempt(s); there is no log for try ${tryNumber}.`,
      );
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
    for (const { run, taskIds } of byRun(selection))
      await control(() => deps.control.clear(run.dagId, run.runId, taskIds));
    res.json({ task_instances: selection.map(({ ti, run }) => taskInstanceReference(ti, run)) });
  });

  router.post("/dags/:dagId/updateTaskInstancesState", async (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    const body = objectBody(req);
    const state = markableState(requiredString(body, "new_state"));
    const taskId = requiredString(body, "task_id");
    if (!summary.dag.tasks.some((task) => task.taskId === taskId)) {
      throw new HttpError(404, `Task '${taskId}' not found in DAG '${summary.dag.dagId}'`, "Task not found");
    }
    const runs = runsNamed(context, summary, body);
    const taskIds = withRelatives(
      summary,
      new Set([taskId]),
      optionalBoolean(body, "include_upstream") ?? false,
      optionalBoolean(body, "include_downstream") ?? false,
    );
    const selection = instancesOf(context, runs).filter(({ ti }) => taskIds.has(ti.taskId) && ti.state !== state);
    if (optionalBoolean(body, "dry_run") === false) {
      for (const { run, taskIds: ids } of byRun(selection))
        await control(() => deps.control.setTaskInstanceState(run.dagId, run.runId, ids, state));
    }
    res.json({ task_instances: selection.map(({ ti, run }) => taskInstanceReference(ti, run)) });
  });

  return router;
}

export function checkTaskState(state: string): void {
  if (!(TASK_INSTANCE_STATES as readonly string[]).includes(state)) {
    throw new HttpError(
      400,
      `Expected \`state\` to be one of ${TASK_INSTANCE_STATES.join(", ")}, got ${JSON.stringify(state)}.`,
    );
  }
}

export function markableState(state: string): MarkableTaskState {
  if (!(MARKABLE_TASK_STATES as readonly string[]).includes(state)) {
    throw new HttpError(
      400,
      `Expected \`new_state\` to be one of ${MARKABLE_TASK_STATES.join(", ")}, got ${JSON.stringify(state)}.`,
    );
  }
  return state as MarkableTaskState;
}

export function instancesOf(context: AppContext, runs: readonly DagRunRecord[]): Selected[] {
  return runs.flatMap((run) => context.deps.read.taskInstances(run.dagId, run.runId).map((ti) => ({ ti, run })));
}

export function byRun(selection: readonly Selected[]): Array<{ run: DagRunRecord; taskIds: string[] }> {
  const groups = new Map<string, { run: DagRunRecord; taskIds: string[] }>();
  for (const { ti, run } of selection) {
    const group = groups.get(run.runId) ?? { run, taskIds: [] };
    group.taskIds.push(ti.taskId);
    groups.set(run.runId, group);
  }
  return [...groups.values()];
}

/** `dag_run_id`, else the runs whose logical date is `execution_date` or lies in [start_date, end_date]. */
export function runsNamed(context: AppContext, summary: DagSummary, body: Record<string, unknown>): DagRunRecord[] {
  const dagId = summary.dag.dagId;
  const runId = optionalString(body, "dag_run_id");
  if (runId !== undefined) return [requireRun(context, dagId, runId)];
  const at = dateField(body, "execution_date");
  const start = at ?? dateField(body, "start_date");
  const end = at ?? dateField(body, "end_date");
  if (start === undefined && end === undefined) {
    throw new HttpError(
      400,
      "Name the runs: give `dag_run_id`, or `execution_date`, or `start_date` and/or `end_date` (logical dates).",
    );
  }
  return allRuns(context, dagId).filter((run) => inRange(run.logicalDate, { gte: start, lte: end }));
}

export function selectForClear(context: AppContext, summary: DagSummary, body: Record<string, unknown>): Selected[] {
  const onlyFailed = optionalBoolean(body, "only_failed") ?? true;
  const onlyRunning = optionalBoolean(body, "only_running") ?? false;
  const requested = optionalStringList(body, "task_ids");
  const taskIds =
    requested === undefined
      ? undefined
      : withRelatives(
          summary,
          new Set(requested),
          optionalBoolean(body, "include_upstream") ?? false,
          optionalBoolean(body, "include_downstream") ?? false,
        );
  return instancesOf(context, runsNamed(context, summary, body))
    .filter(({ ti }) => taskIds === undefined || taskIds.has(ti.taskId))
    .filter(({ ti }) => !onlyFailed || ti.state === "failed" || ti.state === "upstream_failed")
    .filter(({ ti }) => !onlyRunning || ti.state === "running");
}

export function withRelatives(
  summary: DagSummary,
  ids: Set<string>,
  upstream: boolean,
  downstream: boolean,
): Set<string> {
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

export function offsetOfToken(token: string): number {
  const match = /^o:(\d{1,15})$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  if (!match) throw new HttpError(400, "The continuation token is not one this server gave out.");
  return Number(match[1]);
}
