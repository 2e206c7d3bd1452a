import type { Router } from "express";
import type { PoolRecord } from "../../records.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { collectionRouter } from "../rest/collection.js";
import { AIRFLOW3_LISTS } from "../rest/dialect.js";
import {
  DEFAULT_POOL,
  noDeferred,
  poolAnswers,
  poolCollection,
  poolFrom,
  slotsJson,
  type Usage,
  updatedPool,
} from "../rest/pools.js";
import { updateMask } from "../rest/request.js";
import { RuleRefusal } from "./errors.js";

/** `/pools` as Airflow 3 serves them: a creation answers 201, deleting the default pool is a rule's 400. */
export function poolsRouterV2(context: AppContext): Router {
  return collectionRouter<PoolRecord>({
    ...poolCollection(context),
    notFound: (name) => new HttpError(404, `The Pool with name: \`${name}\` was not found`),
    exists: (name) => new HttpError(409, `The Pool with name: \`${name}\` already exists`),
    createdStatus: 201,
    list: {
      dialect: AIRFLOW3_LISTS,
      pattern: "pool_name_pattern",
      fallbackOrder: "id",
      orders: {
        id: (pool) => (pool.name === DEFAULT_POOL ? "" : pool.name),
        pool: (pool) => pool.name,
        name: (pool) => pool.name,
        slots: (pool) => pool.slots,
      },
    },
    created(name, body) {
      noDeferred(body);
      return poolFrom(name, body);
    },
    updated(current, body, req) {
      const fields = updateMask(req, body, ["pool", "name", "slots", "description", "include_deferred"]);
      const renamed = [body.pool, body.name].find(
        (name) => name !== undefined && name !== null && name !== current.name,
      );
      if (renamed !== undefined) {
        throw new HttpError(
          400,
          `Pools cannot be renamed: the body names ${JSON.stringify(renamed)}, the path '${current.name}'.`,
        );
      }
      noDeferred(body);
      return updatedPool(current, body, fields);
    },
    checkDelete(pool) {
      if (pool.name === DEFAULT_POOL) throw new RuleRefusal("Default Pool can't be deleted");
    },
    ...poolAnswers(context, poolJson),
  });
}

function poolJson(pool: PoolRecord, usage: Usage) {
  return {
    name: pool.name,
    slots: pool.slots,
    description: pool.description ?? null,
    include_deferred: false,
    ...slotsJson(pool, usage),
  };
}
