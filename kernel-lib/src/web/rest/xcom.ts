import express, { type Request, type Router } from "express";
import type { DagRunRecord, TaskInstanceRecord, XComRecord } from "../../records.js";
import type { AppContext } from "../context.js";
import type { HttpError } from "../problems.js";
import type { ListDialect } from "./dialect.js";
import { requireRun, requireTaskInstance } from "./lookups.js";
import { integerQuery, pageOf, stringQuery } from "./request.js";

/**
 * `.../taskInstances/{task_id}/xcomEntries` and one entry by key, written once; a version's
 * adapter gives its shapes, its messages and how it answers a map index (Kitelab has no
 * mapped tasks).
 */
export interface XComApi {
  dialect: ListDialect;
  /** Whether a task instance has entries at `mapIndex` (or a thrown 404). */
  hasMapIndex(mapIndex: number | undefined): boolean;
  /** Whether one entry's `map_index` is checked too (Airflow 3) or left unread (Airflow 2). */
  checksEntryMapIndex: boolean;
  entryJson(xcom: XComRecord, run: DagRunRecord, ti: TaskInstanceRecord): object;
  notFound(key: string, run: DagRunRecord, ti: TaskInstanceRecord): HttpError;
  /** The entry's value as the query asks for it (its JSON text, or the value itself). */
  valueOf(xcom: XComRecord, req: Request): unknown;
}

export function xcomRouter(context: AppContext, api: XComApi): Router {
  const router = express.Router();
  const base = "/dags/:dagId/dagRuns/:runId/taskInstances/:taskId/xcomEntries";

  const entriesOf = (req: Request) => {
    const run = requireRun(context, req.params.dagId, req.params.runId);
    const ti = requireTaskInstance(context, run, req.params.taskId);
    const xcoms = context.deps.read.xcoms(run.dagId, run.runId).filter((xcom) => xcom.taskId === ti.taskId);
    return { run, ti, xcoms };
  };

  router.get(base, (req, res) => {
    const { run, ti, xcoms } = entriesOf(req);
    const mapped = api.hasMapIndex(integerQuery(req, "map_index"));
    const key = stringQuery(req, "xcom_key");
    const matching = xcoms.filter((xcom) => mapped && (key === undefined || xcom.key === key));
    const { items, total_entries } = pageOf(matching, api.dialect.page(req));
    res.json({ xcom_entries: items.map((xcom) => api.entryJson(xcom, run, ti)), total_entries });
  });

  router.get(`${base}/:key`, (req, res) => {
    const { run, ti, xcoms } = entriesOf(req);
    if (api.checksEntryMapIndex) api.hasMapIndex(integerQuery(req, "map_index"));
    const xcom = xcoms.find((candidate) => candidate.key === req.params.key);
    if (!xcom) throw api.notFound(String(req.params.key), run, ti);
    res.json({ ...api.entryJson(xcom, run, ti), value: api.valueOf(xcom, req) });
  });

  return router;
}
