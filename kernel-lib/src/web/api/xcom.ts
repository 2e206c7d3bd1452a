import express, { type Router } from "express";
import type { DagRunRecord, TaskInstanceRecord, XComRecord } from "../../records.js";
import { airflowDate } from "../airflowShapes.js";
import { AIRFLOW2_LISTS } from "../rest/dialect.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { requireRun, requireTaskInstance } from "../rest/lookups.js";
import { booleanQuery, integerQuery, pageOf, stringQuery } from "../rest/request.js";

/** `.../taskInstances/{task_id}/xcomEntries` and one entry by key. */
export function xcomRouter(context: AppContext): Router {
  const router = express.Router();
  const base = "/dags/:dagId/dagRuns/:runId/taskInstances/:taskId/xcomEntries";

  const entriesOf = (dagParam: unknown, runParam: unknown, taskParam: unknown) => {
    const run = requireRun(context, dagParam, runParam);
    const ti = requireTaskInstance(context, run, taskParam);
    return {
      run,
      ti,
      xcoms: context.deps.read.xcoms(run.dagId, run.runId).filter((xcom) => xcom.taskId === ti.taskId),
    };
  };

  router.get(base, (req, res) => {
    const { run, ti, xcoms } = entriesOf(req.params.dagId, req.params.runId, req.params.taskId);
    const key = stringQuery(req, "xcom_key");
    const mapIndex = integerQuery(req, "map_index");
    const matching = xcoms.filter(
      (xcom) => (key === undefined || xcom.key === key) && (mapIndex === undefined || mapIndex === -1),
    );
    const { items, total_entries } = pageOf(matching, AIRFLOW2_LISTS.page(req));
    res.json({ xcom_entries: items.map((xcom) => xcomItemJson(xcom, run, ti)), total_entries });
  });

  router.get(`${base}/:key`, (req, res) => {
    const { run, ti, xcoms } = entriesOf(req.params.dagId, req.params.runId, req.params.taskId);
    const xcom = xcoms.find((candidate) => candidate.key === req.params.key);
    if (!xcom)
      throw new HttpError(
        404,
        `Task '${ti.taskId}' of run '${run.runId}' pushed no XCom with key '${req.params.key}'.`,
        "XCom entry not found",
      );
    if (booleanQuery(req, "deserialize")) {
      throw new HttpError(
        400,
        "XCom values are JSON in Kitelab: leave out `deserialize`, and send `stringify=false` for the value itself.",
      );
    }
    const stringify = booleanQuery(req, "stringify") ?? true;
    res.json({
      ...xcomItemJson(xcom, run, ti),
      value: stringify ? (JSON.stringify(xcom.value) ?? "null") : xcom.value,
    });
  });

  return router;
}

function xcomItemJson(xcom: XComRecord, run: DagRunRecord, ti: TaskInstanceRecord) {
  return {
    key: xcom.key,
    // Kitelab records an XCom when its task finishes.
    timestamp: airflowDate(ti.endDate ?? ti.startDate ?? run.logicalDate),
    execution_date: airflowDate(run.logicalDate),
    map_index: -1,
    task_id: xcom.taskId,
    dag_id: xcom.dagId,
  };
}
