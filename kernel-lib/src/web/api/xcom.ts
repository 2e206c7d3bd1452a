import type { Router } from "express";
import type { DagRunRecord, TaskInstanceRecord, XComRecord } from "../../records.js";
import { airflowDate } from "../airflowShapes.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { AIRFLOW2_LISTS } from "../rest/dialect.js";
import { booleanQuery } from "../rest/request.js";
import { xcomRouter as sharedXComRouter } from "../rest/xcom.js";

/** `.../taskInstances/{task_id}/xcomEntries` and one entry by key, in Airflow 2's shapes. */
export function xcomRouter(context: AppContext): Router {
  return sharedXComRouter(context, {
    dialect: AIRFLOW2_LISTS,
    hasMapIndex: (mapIndex) => mapIndex === undefined || mapIndex === -1,
    checksEntryMapIndex: false,
    entryJson: xcomItemJson,
    notFound: (key, run, ti) =>
      new HttpError(
        404,
        `Task '${ti.taskId}' of run '${run.runId}' pushed no XCom with key '${key}'.`,
        "XCom entry not found",
      ),
    valueOf(xcom, req) {
      if (booleanQuery(req, "deserialize")) {
        throw new HttpError(
          400,
          "XCom values are JSON in Kitelab: leave out `deserialize`, and send `stringify=false` for the value itself.",
        );
      }
      const stringify = booleanQuery(req, "stringify") ?? true;
      return stringify ? (JSON.stringify(xcom.value) ?? "null") : xcom.value;
    },
  });
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
