import express, { type Router } from "express";
import { MARKABLE_RUN_STATES, type MarkableRunState } from "../../engine/markState.js";
import type { DagRunRecord } from "../../records.js";
import { DAG_RUN_STATES } from "../../states.js";
import { dagRunJson, taskInstanceReference } from "../airflowShapes.js";
import { AIRFLOW2_LISTS } from "../rest/dialect.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { checkPathParam } from "../security.js";
import { allRuns, control, dagOrAll, requireDag, requireRun } from "../rest/lookups.js";
import {
  dateField,
  dateQuery,
  formPage,
  inRange,
  listQuery,
  objectBody,
  optionalBoolean,
  optionalStringList,
  pageOf,
  type Range,
  requiredNote,
  requiredString,
  sortedBy,
  stringQuery,
} from "../rest/request.js";

/** What a DAG run list may be narrowed to (query parameters or the batch form). */
export interface RunFilter {
  dagIds?: readonly string[];
  states: readonly string[];
  executionDate: Range;
  startDate: Range;
  endDate: Range;
}

export const RUN_ORDERS: Record<string, (run: DagRunRecord) => string | undefined> = {
  id: (run) => run.queuedAt,
  execution_date: (run) => run.logicalDate,
  logical_date: (run) => run.logicalDate,
  start_date: (run) => run.startDate,
  end_date: (run) => run.endDate,
  dag_id: (run) => run.dagId,
  dag_run_id: (run) => run.runId,
  state: (run) => run.state,
  run_type: (run) => run.runType,
};

/** `/dags/{dag_id}/dagRuns` and below, `/dags/~/dagRuns/list`, Kitelab's backfill. */
export function dagRunsRouter(context: AppContext): Router {
  const { deps } = context;
  const router = express.Router();

  router.get("/dags/:dagId/dagRuns", (req, res) => {
    const dagId = dagOrAll(context, req.params.dagId);
    const filter: RunFilter = {
      dagIds: dagId === undefined ? undefined : [dagId],
      states: checkedStates(listQuery(req, "state")),
      executionDate: { gte: dateQuery(req, "execution_date_gte"), lte: dateQuery(req, "execution_date_lte") },
      startDate: { gte: dateQuery(req, "start_date_gte"), lte: dateQuery(req, "start_date_lte") },
      endDate: { gte: dateQuery(req, "end_date_gte"), lte: dateQuery(req, "end_date_lte") },
    };
    const runs = sortedBy(filteredRuns(context, filter), stringQuery(req, "order_by"), "execution_date", RUN_ORDERS);
    const { items, total_entries } = pageOf(runs, AIRFLOW2_LISTS.page(req));
    res.json({ dag_runs: items.map(dagRunJson), total_entries });
  });

  router.post("/dags/~/dagRuns/list", (req, res) => {
    const body = objectBody(req);
    const filter: RunFilter = {
      dagIds: optionalStringList(body, "dag_ids"),
      states: checkedStates(optionalStringList(body, "states") ?? []),
      executionDate: { gte: dateField(body, "execution_date_gte"), lte: dateField(body, "execution_date_lte") },
      startDate: { gte: dateField(body, "start_date_gte"), lte: dateField(body, "start_date_lte") },
      endDate: { gte: dateField(body, "end_date_gte"), lte: dateField(body, "end_date_lte") },
    };
    const orderBy =
      body.order_by === undefined || body.order_by === null ? undefined : requiredString(body, "order_by");
    const runs = sortedBy(filteredRuns(context, filter), orderBy, "execution_date", RUN_ORDERS);
    const { items, total_entries } = pageOf(runs, formPage(body));
    res.json({ dag_runs: items.map(dagRunJson), total_entries });
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
      if (deps.read.run(summary.dag.dagId, runId)) {
        throw new HttpError(409, `DAGRun with DAG ID: '${summary.dag.dagId}' and DAGRun ID: '${runId}' already exists`);
      }
    }
    const run = await control(() =>
      deps.control.trigger(summary.dag.dagId, { conf: conf as Record<string, unknown>, logicalDate, runId }),
    );
    res.json(dagRunJson(run));
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

  router.patch("/dags/:dagId/dagRuns/:runId", async (req, res) => {
    const run = requireRun(context, req.params.dagId, req.params.runId);
    const state = requiredString(objectBody(req), "state");
    if (!(MARKABLE_RUN_STATES as readonly string[]).includes(state)) {
      throw new HttpError(
        400,
        `Expected \`state\` to be one of ${MARKABLE_RUN_STATES.join(", ")}, got ${JSON.stringify(state)}.`,
      );
    }
    res.json(
      dagRunJson(await control(() => deps.control.setRunState(run.dagId, run.runId, state as MarkableRunState))),
    );
  });

  router.post("/dags/:dagId/dagRuns/:runId/clear", async (req, res) => {
    const run = requireRun(context, req.params.dagId, req.params.runId);
    const dryRun = optionalBoolean(objectBody(req), "dry_run") ?? true;
    if (dryRun) {
      const instances = deps.read.taskInstances(run.dagId, run.runId);
      res.json({ task_instances: instances.map((ti) => taskInstanceReference(ti, run)) });
      return;
    }
    await control(() => deps.control.clear(run.dagId, run.runId));
    res.json(dagRunJson(deps.read.run(run.dagId, run.runId) ?? run));
  });

  router.patch("/dags/:dagId/dagRuns/:runId/setNote", async (req, res) => {
    const run = requireRun(context, req.params.dagId, req.params.runId);
    const note = requiredNote(objectBody(req));
    await control(() => deps.control.setNote(run.dagId, run.runId, undefined, note));
    res.json(dagRunJson(deps.read.run(run.dagId, run.runId) ?? { ...run, note }));
  });

  return router;
}

export function checkedStates(states: readonly string[]): string[] {
  for (const state of states) {
    if (!(DAG_RUN_STATES as readonly string[]).includes(state)) {
      throw new HttpError(
        400,
        `Expected \`state\` to be one of ${DAG_RUN_STATES.join(", ")}, got ${JSON.stringify(state)}.`,
      );
    }
  }
  return [...states];
}

export function filteredRuns(context: AppContext, filter: RunFilter): DagRunRecord[] {
  const dagIds = filter.dagIds === undefined ? [undefined] : filter.dagIds;
  return dagIds
    .flatMap((dagId) => (dagId === undefined || context.deps.read.dag(dagId) ? allRuns(context, dagId) : []))
    .filter((run) => filter.states.length === 0 || filter.states.includes(run.state))
    .filter(
      (run) =>
        inRange(run.logicalDate, filter.executionDate) &&
        inRange(run.startDate, filter.startDate) &&
        inRange(run.endDate, filter.endDate),
    );
}
