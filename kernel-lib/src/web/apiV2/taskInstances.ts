import express, { type Router } from "express";
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
  formPage,
  inRange,
  listQuery,
  objectBody,
  optionalBoolean,
  optionalString,
  optionalStringList,
  pageOf,
  sortedBy,
  stringQuery,
  updateMask,
} from "../rest/request.js";
import {
  byRun,
  checkTaskState,
  instancesOf,
  markableState,
  offsetOfToken,
  type Selected,
  selectForClear,
  withRelatives,
} from "../api/taskInstances.js";
import { AIRFLOW3_LISTS } from "../rest/dialect.js";
import type { AppContext } from "../context.js";
import { readTaskLog } from "../logs.js";
import { HttpError } from "../problems.js";
import { checkPathParam } from "../security.js";
import { taskInstanceJsonV2 } from "./shapes.js";

const TI_ORDERS: Record<string, (selected: Selected) => string | number | undefined> = {
  id: ({ ti }) => `${ti.dagId}\u0000${ti.runId}\u0000${ti.taskId}`,
  task_id: ({ ti }) => ti.taskId,
  dag_id: ({ ti }) => ti.dagId,
  run_id: ({ ti }) => ti.runId,
  dag_run_id: ({ ti }) => ti.runId,
  state: ({ ti }) => ti.state,
  start_date: ({ ti }) => ti.startDate,
  end_date: ({ ti }) => ti.endDate,
  duration: ({ ti }) => ti.durationMs ?? Number.POSITIVE_INFINITY,
  try_number: ({ ti }) => ti.tryNumber,
  pool: ({ ti }) => ti.pool ?? "default_pool",
  logical_date: ({ run }) => run.logicalDate,
  run_after: ({ run }) => run.runAfter,
  map_index: () => -1,
};

/** Task instances: lists, one, mark and note, logs, clear. */
export function taskInstancesRouterV2(context: AppContext): Router {
  const { deps } = context;
  const read = deps.read;
  const router = express.Router();

  const json = ({ ti, run }: Selected) => taskInstanceJsonV2(ti, run, operatorsOf(read.dag(run.dagId)).get(ti.taskId));
  const collection = (selected: readonly Selected[]) => ({
    task_instances: selected.map(json),
    total_entries: selected.length,
  });

  router.get("/dags/:dagId/dagRuns/:runId/taskInstances", (req, res) => {
    const dagId = dagOrAll(context, req.params.dagId);
    const runParam = checkPathParam("DAG run id", req.params.runId);
    const runs = runParam === "~" ? allRuns(context, dagId) : [requireRun(context, dagId ?? "~", runParam)];
    const taskId = stringQuery(req, "task_id");
    const states = listQuery(req, "state");
    for (const state of states) checkTaskState(state);
    const pools = listQuery(req, "pool");
    const logicalDate = AIRFLOW3_LISTS.range(req, "logical_date");
    const runAfter = AIRFLOW3_LISTS.range(req, "run_after");
    const startDate = AIRFLOW3_LISTS.range(req, "start_date");
    const endDate = AIRFLOW3_LISTS.range(req, "end_date");
    const selected = instancesOf(context, runs).filter(
      ({ ti, run }) =>
        (taskId === undefined || ti.taskId === taskId) &&
        (states.length === 0 || states.includes(ti.state)) &&
        (pools.length === 0 || pools.includes(ti.pool ?? "default_pool")) &&
        inRange(run.logicalDate, logicalDate) &&
        inRange(run.runAfter, runAfter) &&
        inRange(ti.startDate, startDate) &&
        inRange(ti.endDate, endDate),
    );
    const sorted = sortedBy(selected, AIRFLOW3_LISTS.orderBy(req), "map_index", TI_ORDERS);
    const { items, total_entries } = pageOf(sorted, AIRFLOW3_LISTS.page(req));
    res.json({ task_instances: items.map(json), total_entries });
  });

  router.post("/dags/:dagId/dagRuns/:runId/taskInstances/list", (req, res) => {
    const pathDag = dagOrAll(context, req.params.dagId);
    const pathRun = checkPathParam("DAG run id", req.params.runId);
    const body = objectBody(req);
    const dagIds = optionalStringList(body, "dag_ids") ?? (pathDag === undefined ? undefined : [pathDag]);
    const runIds = optionalStringList(body, "dag_run_ids") ?? (pathRun === "~" ? undefined : [pathRun]);
    const taskIds = optionalStringList(body, "task_ids");
    const states = optionalStringList(body, "state");
    for (const state of states ?? []) checkTaskState(state);
    const pools = optionalStringList(body, "pool");
    const logicalDate = AIRFLOW3_LISTS.rangeField(body, "logical_date");
    const runAfter = AIRFLOW3_LISTS.rangeField(body, "run_after");
    const startDate = AIRFLOW3_LISTS.rangeField(body, "start_date");
    const endDate = AIRFLOW3_LISTS.rangeField(body, "end_date");
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
        inRange(run.logicalDate, logicalDate) &&
        inRange(run.runAfter, runAfter) &&
        inRange(ti.startDate, startDate) &&
        inRange(ti.endDate, endDate),
    );
    const sorted = sortedBy(selected, optionalString(body, "order_by"), "map_index", TI_ORDERS);
    const { items, total_entries } = pageOf(sorted, formPage(body));
    res.json({ task_instances: items.map(json), total_entries });
  });

  router.get("/dags/:dagId/dagRuns/:runId/taskInstances/:taskId", (req, res) => {
    const run = requireRun(context, req.params.dagId, req.params.runId);
    res.json(json({ ti: requireTaskInstance(context, run, req.params.taskId), run }));
  });

  /** The instances a PATCH names: the task, with its relatives when asked, in this run. */
  const patchSelection = (dagParam: unknown, runParam: unknown, taskParam: unknown, body: Record<string, unknown>) => {
    const run = requireRun(context, dagParam, runParam);
    const ti = requireTaskInstance(context, run, taskParam);
    for (const field of ["include_future", "include_past"]) {
      if (optionalBoolean(body, field)) {
        throw new HttpError(400, `Kitelab marks task instances within one run: \`${field}\` can only be false.`);
      }
    }
    const ids = withRelatives(
      requireDag(context, run.dagId),
      new Set([ti.taskId]),
      optionalBoolean(body, "include_upstream") ?? false,
      optionalBoolean(body, "include_downstream") ?? false,
    );
    return { run, ti, selected: instancesOf(context, [run]).filter(({ ti: instance }) => ids.has(instance.taskId)) };
  };

  router.patch("/dags/:dagId/dagRuns/:runId/taskInstances/:taskId/dry_run", (req, res) => {
    const body = objectBody(req);
    const fields = updateMask(req, body, ["new_state", "note"]);
    const { run, ti, selected } = patchSelection(req.params.dagId, req.params.runId, req.params.taskId, body);
    if (fields.includes("new_state")) {
      const state = markableState(optionalString(body, "new_state") ?? "");
      res.json(collection(selected.filter(({ ti: instance }) => instance.state !== state)));
      return;
    }
    res.json(collection([{ ti, run }]));
  });

  router.patch("/dags/:dagId/dagRuns/:runId/taskInstances/:taskId", async (req, res) => {
    const body = objectBody(req);
    const fields = updateMask(req, body, ["new_state", "note"]);
    const { run, ti, selected } = patchSelection(req.params.dagId, req.params.runId, req.params.taskId, body);
    if (fields.length === 0) throw new HttpError(400, "Send `new_state`, `note` or both.");
    let changed: Selected[] = [{ ti, run }];
    if (fields.includes("new_state")) {
      const state = markableState(optionalString(body, "new_state") ?? "");
      changed = selected.filter(({ ti: instance }) => instance.state !== state);
      for (const group of byRun(changed))
        await control(() => deps.control.setTaskInstanceState(run.dagId, run.runId, group.taskIds, state));
    }
    if (fields.includes("note")) {
      const note = optionalString(body, "note") ?? "";
      await control(() => deps.control.setNote(run.dagId, run.runId, ti.taskId, note));
    }
    const fresh = new Map(read.taskInstances(run.dagId, run.runId).map((instance) => [instance.taskId, instance]));
    res.json(collection(changed.map(({ ti: instance }) => ({ ti: fresh.get(instance.taskId) ?? instance, run }))));
  });

  router.get("/dags/:dagId/dagRuns/:runId/taskInstances/:taskId/logs/:tryNumber", async (req, res) => {
    const run = requireRun(context, req.params.dagId, req.params.runId);
    const ti = requireTaskInstance(context, run, req.params.taskId);
    const tryNumber = Number(req.params.tryNumber);
    if (!Number.isInteger(tryNumber) || tryNumber < 0 || String(tryNumber) !== req.params.tryNumber) {
      throw new HttpError(
        400,
        `Expected the try number to be a non-negative integer, got ${JSON.stringify(req.params.tryNumber)}.`,
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
    // Airflow 3's logs are structured: one message per line.
    const lines = chunk.content.split("\n").filter((line, index, all) => line !== "" || index < all.length - 1);
    const messages = lines.map((event) => ({ event }));
    if (req.accepts(["application/json", "application/x-ndjson"]) === "application/x-ndjson") {
      res.type("application/x-ndjson").send(messages.map((message) => `${JSON.stringify(message)}\n`).join(""));
      return;
    }
    res.json({
      content: messages,
      continuation_token: Buffer.from(`o:${chunk.nextOffset}`).toString("base64url"),
    });
  });

  router.post("/dags/:dagId/clearTaskInstances", async (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    const body = objectBody(req);
    for (const field of ["include_future", "include_past"]) {
      if (optionalBoolean(body, field)) {
        throw new HttpError(400, `Kitelab clears task instances run by run: \`${field}\` can only be false.`);
      }
    }
    // Clearing always sends the runs back to be scheduled again, as Airflow's default `reset_dag_runs` does.
    if (optionalBoolean(body, "reset_dag_runs") === false) {
      throw new HttpError(
        400,
        "Kitelab always sends a cleared run back to the scheduler: `reset_dag_runs` can only be true.",
      );
    }
    const selection = selectForClear(context, summary, body);
    if (optionalBoolean(body, "dry_run") !== false) {
      res.json(collection(selection));
      return;
    }
    for (const { run, taskIds } of byRun(selection))
      await control(() => deps.control.clear(run.dagId, run.runId, taskIds));
    res.json(collection(selection));
  });

  return router;
}
