import express, { type Router } from "express";
import type { DagRunRecord } from "../../records.js";
import { dagRunJson, taskInstanceReference } from "../airflowShapes.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import {
  checkedStates,
  confOf,
  dagRunsRouter as sharedDagRunsRouter,
  filteredRuns,
  markRun,
  newRunId,
  noteRun,
  type RunFilter,
} from "../rest/dagRuns.js";
import { AIRFLOW2_LISTS } from "../rest/dialect.js";
import { control, requireDag, requireRun } from "../rest/lookups.js";
import {
  dateField,
  formPage,
  listQuery,
  objectBody,
  optionalBoolean,
  optionalStringList,
  pageOf,
  requiredNote,
  requiredString,
  type SortKeys,
  sortedBy,
} from "../rest/request.js";

const RUN_ORDERS: SortKeys<DagRunRecord> = {
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

/** `/dags/{dag_id}/dagRuns` and below, `/dags/~/dagRuns/list`, Kitelab's backfill, in Airflow 2's shapes. */
export function dagRunsRouter(context: AppContext): Router {
  const { deps } = context;
  const router = express.Router();
  const { range, rangeField } = AIRFLOW2_LISTS;

  router.post("/dags/~/dagRuns/list", (req, res) => {
    const body = objectBody(req);
    const filter: RunFilter = {
      dagIds: optionalStringList(body, "dag_ids"),
      states: checkedStates(optionalStringList(body, "states") ?? []),
      logicalDate: rangeField(body, "execution_date"),
      startDate: rangeField(body, "start_date"),
      endDate: rangeField(body, "end_date"),
    };
    const orderBy =
      body.order_by === undefined || body.order_by === null ? undefined : requiredString(body, "order_by");
    const runs = sortedBy(filteredRuns(context, filter), orderBy, "execution_date", RUN_ORDERS);
    const { items, total_entries } = pageOf(runs, formPage(body));
    res.json({ dag_runs: items.map(dagRunJson), total_entries });
  });

  router.use(
    sharedDagRunsRouter(context, {
      dialect: AIRFLOW2_LISTS,
      filterOf: (req, dagIds) => ({
        dagIds,
        states: checkedStates(listQuery(req, "state")),
        logicalDate: range(req, "execution_date"),
        startDate: range(req, "start_date"),
        endDate: range(req, "end_date"),
      }),
      fallbackOrder: "execution_date",
      orders: RUN_ORDERS,
      runJson: dagRunJson,
    }),
  );

  router.post("/dags/:dagId/dagRuns", async (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    const body = objectBody(req);
    const conf = confOf(body);
    const logicalDate = dateField(body, "logical_date") ?? dateField(body, "execution_date");
    const runId = newRunId(
      context,
      summary,
      body,
      (id, dagId) => new HttpError(409, `DAGRun with DAG ID: '${dagId}' and DAGRun ID: '${id}' already exists`),
    );
    res.json(dagRunJson(await control(() => deps.control.trigger(summary.dag.dagId, { conf, logicalDate, runId }))));
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

  router.patch("/dags/:dagId/dagRuns/:runId", async (req, res) => {
    const run = requireRun(context, req.params.dagId, req.params.runId);
    res.json(dagRunJson(await markRun(context, run, requiredString(objectBody(req), "state"))));
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
    res.json(dagRunJson(await noteRun(context, run, requiredNote(objectBody(req)))));
  });

  return router;
}
