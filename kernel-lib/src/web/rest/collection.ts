import express, { type Request, type Router } from "express";
import type { HttpError } from "../problems.js";
import { checkPathParam } from "../security.js";
import type { ListDialect } from "./dialect.js";
import { control } from "./lookups.js";
import { likeMatch, objectBody, pageOf, requiredString, type SortKeys, sortedBy, stringQuery } from "./request.js";

/**
 * A collection of named records kept in the shared settings (Variables, Connections, pools),
 * served as Airflow serves them: list, read, create, change, delete. The operations are
 * written once here; a version's adapter names its route, its shapes, its messages and what
 * its spec lets a list filter and sort by.
 */
export interface CollectionApi<T> {
  /** The route, `/variables`; one record is `${path}/:key`. */
  path: string;
  /** What the path names, for the check's message ("variable key"). */
  pathName: string;
  /** The body field that names a new record ("key", "connection_id", "name"). */
  keyField: string;
  /** The field of a list answer that holds the page ("variables"). */
  listField: string;
  records(): readonly T[];
  keyOf(record: T): string;
  notFound(key: string): HttpError;
  /** A creation naming an existing record; without it the record is replaced (Airflow 2's Variables). */
  exists?(key: string): HttpError;
  /** 201 in Airflow 3, 200 in Airflow 2. */
  createdStatus: 200 | 201;
  list: {
    dialect: ListDialect;
    /** The query parameter of an ILIKE filter on the key (Airflow 3's `variable_key_pattern`...). */
    pattern?: string;
    fallbackOrder: string;
    orders: SortKeys<T>;
  };
  /** The record a creation's body describes; body errors are 400s. */
  created(key: string, body: Record<string, unknown>): T;
  /** `current` changed as a PATCH's body and `update_mask` say. */
  updated(current: T, body: Record<string, unknown>, req: Request): T;
  /** A deletion the rules refuse (the default pool), thrown. */
  checkDelete?(record: T): void;
  save(record: T): Promise<unknown>;
  remove(key: string): Promise<unknown>;
  /** The answer for a record read or changed. */
  json(record: T): unknown;
  /** The answer for a page of a list, when it differs from {@link json}'s. */
  listJson?(records: readonly T[]): unknown[];
  /** The answer for a record just created, when it differs from {@link json}'s. */
  createdJson?(record: T): unknown;
}

export function collectionRouter<T>(api: CollectionApi<T>): Router {
  const router = express.Router();

  const requireRecord = (param: unknown): T => {
    const key = checkPathParam(api.pathName, param);
    const record = api.records().find((candidate) => api.keyOf(candidate) === key);
    if (record === undefined) throw api.notFound(key);
    return record;
  };

  router.get(api.path, (req, res) => {
    const pattern = api.list.pattern === undefined ? undefined : stringQuery(req, api.list.pattern);
    const records = sortedBy(
      api.records().filter((record) => pattern === undefined || likeMatch(api.keyOf(record), pattern)),
      api.list.dialect.orderBy(req),
      api.list.fallbackOrder,
      api.list.orders,
    );
    const { items, total_entries } = pageOf(records, api.list.dialect.page(req));
    res.json({
      [api.listField]: api.listJson ? api.listJson(items) : items.map((item) => api.json(item)),
      total_entries,
    });
  });

  router.get(`${api.path}/:key`, (req, res) => {
    res.json(api.json(requireRecord(req.params.key)));
  });

  router.post(api.path, async (req, res) => {
    const body = objectBody(req);
    const key = checkPathParam(api.keyField, requiredString(body, api.keyField));
    if (api.exists && api.records().some((record) => api.keyOf(record) === key)) throw api.exists(key);
    const record = api.created(key, body);
    await control(() => api.save(record));
    res.status(api.createdStatus).json(api.createdJson ? api.createdJson(record) : api.json(record));
  });

  router.patch(`${api.path}/:key`, async (req, res) => {
    const current = requireRecord(req.params.key);
    const updated = api.updated(current, objectBody(req), req);
    await control(() => api.save(updated));
    res.json(api.json(updated));
  });

  router.delete(`${api.path}/:key`, async (req, res) => {
    const record = requireRecord(req.params.key);
    api.checkDelete?.(record);
    await control(() => api.remove(api.keyOf(record)));
    res.status(204).end();
  });

  return router;
}
