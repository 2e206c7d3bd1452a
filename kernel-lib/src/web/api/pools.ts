import type { Router } from "express";
import type { PoolRecord } from "../../records.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { collectionRouter } from "../rest/collection.js";
import { AIRFLOW2_LISTS } from "../rest/dialect.js";
import {
  DEFAULT_POOL,
  noDeferred,
  poolAnswers,
  poolCollection,
  slotsJson,
  type Usage,
  updatedPool,
} from "../rest/pools.js";
import { updateMask } from "../rest/request.js";

/** `/pools` as Airflow 2 serves them, with the slots task instances hold right now. */
export function poolsRouter(context: AppContext): Router {
  return collectionRouter<PoolRecord>({
    ...poolCollection(context),
    notFound: (name) => new HttpError(404, `Pool with name:'${name}' not found`, "Pool not found"),
    exists: (name) => new HttpError(409, `Pool: ${name} already exists`),
    createdStatus: 200,
    list: {
      dialect: AIRFLOW2_LISTS,
      fallbackOrder: "id",
      orders: {
        id: (pool) => (pool.name === DEFAULT_POOL ? "" : pool.name),
        name: (pool) => pool.name,
        slots: (pool) => pool.slots,
      },
    },
    updated(current, body, req) {
      const fields = updateMask(req, body, ["name", "slots", "description", "include_deferred"]);
      if (fields.includes("name") && body.name !== current.name) {
        throw new HttpError(
          400,
          `Pools cannot be renamed: the body's \`name\` (${JSON.stringify(body.name)}) must be '${current.name}'.`,
        );
      }
      if (fields.includes("include_deferred")) noDeferred(body);
      return updatedPool(current, body, fields);
    },
    checkDelete(pool) {
      if (pool.name === DEFAULT_POOL) throw new HttpError(400, "Default Pool can't be deleted");
    },
    ...poolAnswers(context, poolJson),
  });
}

function poolJson(pool: PoolRecord, usage: Usage) {
  return {
    name: pool.name,
    slots: pool.slots,
    ...slotsJson(pool, usage),
    description: pool.description ?? null,
    include_deferred: false,
  };
}
