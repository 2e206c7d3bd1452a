import express, { type Router } from "express";
import type { DagRunRecord } from "../../records.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { checkedStates, confOf, dagRunsRouter, filteredRuns, markRun, newRunId, noteRun } from "../rest/dagRuns.js";
import { AIRFLOW3_LISTS } from "../rest/dialect.js";
import { control, dagOrAll, operatorsOf, requireDag, requireRun } from "../rest/lookups.js";
import {
  dateField,
  formPage,
  listQuery,
  objectBody,
  optionalBoolean,
  optionalString,
  optionalStringList,
  pageOf,
  requiredString,
  type SortKeys,
  sortedBy,
  stringQuery,
  updateMask,
} from "../rest/request.js";
import { instancesOf } from "../rest/taskInstances.js";
import { dagRunJsonV2, taskInstanceJsonV2 } from "./shapes.js";

const RUN_ORDERS_V2: SortKeys<DagRunRecord> = {
  id: (run) => run.queuedAt,
  state: (run) => run.state,
  dag_id: (run) => run.dagId,
  run_id: (run) => run.runId,
  dag_run_id: (run) => run.runId,
  logical_date: (run) => run.logicalDate,
  run_after: (run) => run.runAfter,
  start_date: (run) => run.startDate,
  end_date: (run) => run.endDate,
  duration: (run) =>
    run.startDate && run.endDate ? Date.parse(run.endDate) - Date.parse(run.startDate) : Number.POSITIVE_INFINITY,
};

const RUN_TYPES = ["backfill", "scheduled", "manual", "asset_triggered"];

/** `/dags/{dag_id}/dagRuns` and below, and the batch list, in Airflow 3's shapes. */
export function dagRunsRouterV2(context: AppContext): Router {
  const { deps } = context;
  const router = express.Router();
  const { range, rangeField } = AIRFLOW3_LISTS;

  router.post("/dags/:dagId/dagRuns/list", (req, res) => {
    const pathDag = dagOrAll(context, req.params.dagId);
    const body = objectBody(req);
    const runs = filteredRuns(context, {
      dagIds: optionalStringList(body, "dag_ids") ?? (pathDag === undefined ? undefined : [pathDag]),
      states: checkedStates(optionalStringList(body, "states") ?? []),
      logicalDate: rangeField(body, "logical_date"),
      startDate: rangeField(body, "start_date"),
      endDate: rangeField(body, "end_date"),
      runAfter: rangeField(body, "run_after"),
    });
    const sorted = sortedBy(runs, optionalString(body, "order_by"), "id", RUN_ORDERS_V2);
    const { items, total_entries } = pageOf(sorted, formPage(body));
    res.json({ dag_runs: items.map(dagRunJsonV2), total_entries });
  });

  router.use(
    dagRunsRouter(context, {
      dialect: AIRFLOW3_LISTS,
      filterOf(req, dagIds) {
        const runTypes = listQuery(req, "run_type");
        for (const type of runTypes) {
          if (!RUN_TYPES.includes(type))
            throw new HttpError(
              400,
              `Expected \`run_type\` to be one of ${RUN_TYPES.join(", ")}, got ${JSON.stringify(type)}.`,
            );
        }
        return {
          dagIds,
          states: checkedStates(listQuery(req, "state")),
          logicalDate: range(req, "logical_date"),
          startDate: range(req, "start_date"),
          endDate: range(req, "end_date"),
          runAfter: range(req, "run_after"),
          runTypes,
          runIdPattern: stringQuery(req, "run_id_pattern"),
        };
      },
      fallbackOrder: "id",
      orders: RUN_ORDERS_V2,
      runJson: dagRunJsonV2,
    }),
  );

  router.post("/dags/:dagId/dagRuns", async (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    const body = objectBody(req);
    if (!("logical_date" in body)) {
      throw new HttpError(
        400,
        "`logical_date` is required by Airflow 3: send an ISO 8601 date, or null for a run without one (Kitelab then uses the time of the request).",
      );
    }
    for (const field of ["data_interval_start", "data_interval_end", "run_after"]) {
      if (body[field] !== undefined && body[field] !== null) {
        throw new HttpError(
          400,
          `Kitelab derives \`${field}\` from the logical date and the DAG's timetable; leave it out (or null).`,
        );
      }
    }
    const conf = confOf(body);
    const logicalDate = dateField(body, "logical_date");
    const note = optionalString(body, "note");
    const runId = newRunId(
      context,
      summary,
      body,
      (id, dagId) =>
        new HttpError(
          409,
          `A DAG run with the id '${id}' already exists in DAG '${dagId}'; choose another dag_run_id.`,
        ),
    );
    const run = await control(() => deps.control.trigger(summary.dag.dagId, { conf, logicalDate, runId }));
    res.json(dagRunJsonV2(note === undefined ? run : await noteRun(context, run, note)));
  });

  router.patch("/dags/:dagId/dagRuns/:runId", async (req, res) => {
    const run = requireRun(context, req.params.dagId, req.params.runId);
    const body = objectBody(req);
    const fields = updateMask(req, body, ["state", "note"]);
    if (fields.includes("state")) await markRun(context, run, requiredString(body, "state"));
    if (fields.includes("note")) await noteRun(context, run, optionalString(body, "note") ?? "");
    res.json(dagRunJsonV2(deps.read.run(run.dagId, run.runId) ?? run));
  });

  router.post("/dags/:dagId/dagRuns/:runId/clear", async (req, res) => {
    const run = requireRun(context, req.params.dagId, req.params.runId);
    const body = objectBody(req);
    const dryRun = optionalBoolean(body, "dry_run") ?? true;
    const onlyFailed = optionalBoolean(body, "only_failed") ?? false;
    const operators = operatorsOf(deps.read.dag(run.dagId));
    const selected = instancesOf(context, [run]).filter(
      ({ ti }) => !onlyFailed || ti.state === "failed" || ti.state === "upstream_failed",
    );
    if (dryRun) {
      res.json({
        task_instances: selected.map(({ ti }) => taskInstanceJsonV2(ti, run, operators.get(ti.taskId))),
        total_entries: selected.length,
      });
      return;
    }
    if (!onlyFailed) await control(() => deps.control.clear(run.dagId, run.runId));
    else if (selected.length > 0)
      await control(() =>
        deps.control.clear(
          run.dagId,
          run.runId,
          selected.map(({ ti }) => ti.taskId),
        ),
      );
    res.json(dagRunJsonV2(deps.read.run(run.dagId, run.runId) ?? run));
  });

  return router;
}
