import express, { type Router } from "express";
import { MARKABLE_RUN_STATES, type MarkableRunState } from "../../engine/markState.js";
import type { DagRunRecord } from "../../records.js";
import { checkedStates, filteredRuns, type RunFilter } from "../api/dagRuns.js";
import { control, dagOrAll, operatorsOf, requireDag, requireRun } from "../rest/lookups.js";
import {
  dateField,
  formPage,
  inRange,
  likeMatch,
  listQuery,
  objectBody,
  optionalBoolean,
  optionalString,
  optionalStringList,
  pageOf,
  type Range,
  requiredString,
  sortedBy,
  stringQuery,
  updateMask,
} from "../rest/request.js";
import { instancesOf } from "../api/taskInstances.js";
import { AIRFLOW3_LISTS } from "../rest/dialect.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { checkPathParam } from "../security.js";
import { dagRunJsonV2, taskInstanceJsonV2 } from "./shapes.js";

const RUN_ORDERS_V2: Record<string, (run: DagRunRecord) => string | number | undefined> = {
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

interface RunFilterV2 extends RunFilter {
  runAfter: Range;
  runTypes: readonly string[];
  runIdPattern?: string;
}

function runsMatching(context: AppContext, filter: RunFilterV2): DagRunRecord[] {
  return filteredRuns(context, filter).filter(
    (run) =>
      inRange(run.runAfter, filter.runAfter) &&
      (filter.runTypes.length === 0 || filter.runTypes.includes(run.runType)) &&
      (filter.runIdPattern === undefined || likeMatch(run.runId, filter.runIdPattern)),
  );
}

/** `/dags/{dag_id}/dagRuns` and below, and the batch list. */
export function dagRunsRouterV2(context: AppContext): Router {
  const { deps } = context;
  const router = express.Router();

  router.get("/dags/:dagId/dagRuns", (req, res) => {
    const dagId = dagOrAll(context, req.params.dagId);
    const runTypes = listQuery(req, "run_type");
    for (const type of runTypes) {
      if (!RUN_TYPES.includes(type))
        throw new HttpError(
          400,
          `Expected \`run_type\` to be one of ${RUN_TYPES.join(", ")}, got ${JSON.stringify(type)}.`,
        );
    }
    const filter: RunFilterV2 = {
      dagIds: dagId === undefined ? undefined : [dagId],
      states: checkedStates(listQuery(req, "state")),
      executionDate: AIRFLOW3_LISTS.range(req, "logical_date"),
      startDate: AIRFLOW3_LISTS.range(req, "start_date"),
      endDate: AIRFLOW3_LISTS.range(req, "end_date"),
      runAfter: AIRFLOW3_LISTS.range(req, "run_after"),
      runTypes,
      runIdPattern: stringQuery(req, "run_id_pattern"),
    };
    const runs = sortedBy(runsMatching(context, filter), AIRFLOW3_LISTS.orderBy(req), "id", RUN_ORDERS_V2);
    const { items, total_entries } = pageOf(runs, AIRFLOW3_LISTS.page(req));
    res.json({ dag_runs: items.map(dagRunJsonV2), total_entries });
  });

  router.post("/dags/:dagId/dagRuns/list", (req, res) => {
    const pathDag = dagOrAll(context, req.params.dagId);
    const body = objectBody(req);
    const filter: RunFilterV2 = {
      dagIds: optionalStringList(body, "dag_ids") ?? (pathDag === undefined ? undefined : [pathDag]),
      states: checkedStates(optionalStringList(body, "states") ?? []),
      executionDate: AIRFLOW3_LISTS.rangeField(body, "logical_date"),
      startDate: AIRFLOW3_LISTS.rangeField(body, "start_date"),
      endDate: AIRFLOW3_LISTS.rangeField(body, "end_date"),
      runAfter: AIRFLOW3_LISTS.rangeField(body, "run_after"),
      runTypes: [],
    };
    const runs = sortedBy(runsMatching(context, filter), optionalString(body, "order_by"), "id", RUN_ORDERS_V2);
    const { items, total_entries } = pageOf(runs, formPage(body));
    res.json({ dag_runs: items.map(dagRunJsonV2), total_entries });
  });

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
    const conf = body.conf ?? {};
    if (typeof conf !== "object" || conf === null || Array.isArray(conf)) {
      throw new HttpError(400, `Expected \`conf\` to be a JSON object, got ${JSON.stringify(conf)}.`);
    }
    const logicalDate = dateField(body, "logical_date");
    const note = optionalString(body, "note");
    let runId: string | undefined;
    if (body.dag_run_id !== undefined && body.dag_run_id !== null) {
      runId = checkPathParam("dag_run_id", body.dag_run_id);
      if (deps.read.run(summary.dag.dagId, runId)) {
        throw new HttpError(
          409,
          `A DAG run with the id '${runId}' already exists in DAG '${summary.dag.dagId}'; choose another dag_run_id.`,
        );
      }
    }
    let run = await control(() =>
      deps.control.trigger(summary.dag.dagId, { conf: conf as Record<string, unknown>, logicalDate, runId }),
    );
    if (note !== undefined) {
      await control(() => deps.control.setNote(run.dagId, run.runId, undefined, note));
      run = deps.read.run(run.dagId, run.runId) ?? { ...run, note };
    }
    res.json(dagRunJsonV2(run));
  });

  router.get("/dags/:dagId/dagRuns/:runId", (req, res) => {
    res.json(dagRunJsonV2(requireRun(context, req.params.dagId, req.params.runId)));
  });

  router.patch("/dags/:dagId/dagRuns/:runId", async (req, res) => {
    const run = requireRun(context, req.params.dagId, req.params.runId);
    const body = objectBody(req);
    const fields = updateMask(req, body, ["state", "note"]);
    if (fields.includes("state")) {
      const state = requiredString(body, "state");
      if (!(MARKABLE_RUN_STATES as readonly string[]).includes(state)) {
        throw new HttpError(
          400,
          `Expected \`state\` to be one of ${MARKABLE_RUN_STATES.join(", ")}, got ${JSON.stringify(state)}.`,
        );
      }
      await control(() => deps.control.setRunState(run.dagId, run.runId, state as MarkableRunState));
    }
    if (fields.includes("note")) {
      const note = optionalString(body, "note") ?? "";
      await control(() => deps.control.setNote(run.dagId, run.runId, undefined, note));
    }
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
