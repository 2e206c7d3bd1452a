import type { Router } from "express";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { AIRFLOW3_LISTS } from "../rest/dialect.js";
import { booleanQuery } from "../rest/request.js";
import { xcomRouter } from "../rest/xcom.js";
import { xcomJsonV2 } from "./shapes.js";

/** `.../taskInstances/{task_id}/xcomEntries` and one entry by key, in Airflow 3's shapes. */
export function xcomRouterV2(context: AppContext): Router {
  return xcomRouter(context, {
    dialect: AIRFLOW3_LISTS,
    hasMapIndex(mapIndex) {
      if (mapIndex !== undefined && mapIndex !== -1) {
        throw new HttpError(404, `Kitelab has no mapped tasks: there is no map index ${mapIndex}.`);
      }
      return true;
    },
    checksEntryMapIndex: true,
    entryJson: xcomJsonV2,
    notFound: (key) => new HttpError(404, `XCom entry with key: \`${key}\` not found`),
    // Airflow 3 answers the value itself unless `stringify` asks for its string form.
    valueOf: (xcom, req) => ((booleanQuery(req, "stringify") ?? false) ? JSON.stringify(xcom.value) : xcom.value),
  });
}
