import express, { type Router } from "express";
import type { PoolRecord } from "../../records.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { checkPathParam } from "../security.js";
import { control } from "./lookups.js";
import {
  integerOf,
  objectBody,
  optionalString,
  pageOf,
  pagination,
  requiredString,
  sortedBy,
  stringQuery,
  updateMask,
} from "./request.js";

export const DEFAULT_POOL = "default_pool";

/** `/pools` CRUD, with the slots task instances hold right now. */
export function poolsRouter(context: AppContext): Router {
  const shared = context.deps.shared;
  const router = express.Router();

  const requirePool = (param: unknown): PoolRecord => {
    const name = checkPathParam("pool name", param);
    const pool = shared.pools().find((candidate) => candidate.name === name);
    if (!pool) throw new HttpError(404, `Pool with name:'${name}' not found`, "Pool not found");
    return pool;
  };

  router.get("/pools", (req, res) => {
    const pools = sortedBy(shared.pools(), stringQuery(req, "order_by"), "id", {
      id: (pool) => (pool.name === DEFAULT_POOL ? "" : pool.name),
      name: (pool) => pool.name,
      slots: (pool) => pool.slots,
    });
    const { items, total_entries } = pageOf(pools, pagination(req));
    const usage = poolUsage(context);
    res.json({ pools: items.map((pool) => poolJson(pool, usage.get(pool.name))), total_entries });
  });

  router.get("/pools/:name", (req, res) => {
    const pool = requirePool(req.params.name);
    res.json(poolJson(pool, poolUsage(context).get(pool.name)));
  });

  router.post("/pools", async (req, res) => {
    const body = objectBody(req);
    const name = checkPathParam("name", requiredString(body, "name"));
    if (shared.pools().some((pool) => pool.name === name)) throw new HttpError(409, `Pool: ${name} already exists`);
    const pool: PoolRecord = { name, slots: requiredSlots(body), description: optionalString(body, "description") };
    await control(() => shared.setPool(pool));
    res.json(poolJson(pool, undefined));
  });

  router.patch("/pools/:name", async (req, res) => {
    const current = requirePool(req.params.name);
    const body = objectBody(req);
    const fields = updateMask(req, body, ["name", "slots", "description", "include_deferred"]);
    if (fields.includes("name") && body.name !== current.name) {
      throw new HttpError(
        400,
        `Pools cannot be renamed: the body's \`name\` (${JSON.stringify(body.name)}) must be '${current.name}'.`,
      );
    }
    if (fields.includes("include_deferred") && body.include_deferred === true) {
      throw new HttpError(400, "Kitelab has no deferred tasks: `include_deferred` can only be false.");
    }
    const updated: PoolRecord = {
      name: current.name,
      slots: fields.includes("slots") ? requiredSlots(body) : current.slots,
      description: fields.includes("description") ? optionalString(body, "description") : current.description,
    };
    await control(() => shared.setPool(updated));
    res.json(poolJson(updated, poolUsage(context).get(updated.name)));
  });

  router.delete("/pools/:name", async (req, res) => {
    const pool = requirePool(req.params.name);
    if (pool.name === DEFAULT_POOL) throw new HttpError(400, "Default Pool can't be deleted");
    await control(() => shared.deletePool(pool.name));
    res.status(204).end();
  });

  return router;
}

export function requiredSlots(body: Record<string, unknown>): number {
  const slots = integerOf(body, "slots");
  if (slots === undefined)
    throw new HttpError(400, "`slots` is required: send the number of slots as a non-negative integer.");
  return slots;
}

export interface Usage {
  running: number;
  queued: number;
  scheduled: number;
}

/** Slots held per pool by the task instances of active runs. */
export function poolUsage(context: AppContext): Map<string, Usage> {
  const usage = new Map<string, Usage>();
  const read = context.deps.read;
  const active = read.runs({ states: ["queued", "running"], limit: 10_000, offset: 0 }).items;
  for (const run of active) {
    const slots = new Map((read.dag(run.dagId)?.dag.tasks ?? []).map((task) => [task.taskId, task.poolSlots]));
    for (const ti of read.taskInstances(run.dagId, run.runId)) {
      if (ti.state !== "running" && ti.state !== "queued" && ti.state !== "scheduled") continue;
      const pool = ti.pool ?? DEFAULT_POOL;
      const entry = usage.get(pool) ?? { running: 0, queued: 0, scheduled: 0 };
      entry[ti.state] += slots.get(ti.taskId) ?? 1;
      usage.set(pool, entry);
    }
  }
  return usage;
}

function poolJson(pool: PoolRecord, usage: Usage | undefined) {
  const { running, queued, scheduled } = usage ?? { running: 0, queued: 0, scheduled: 0 };
  return {
    name: pool.name,
    slots: pool.slots,
    occupied_slots: running + queued,
    running_slots: running,
    queued_slots: queued,
    open_slots: Math.max(0, pool.slots - running - queued),
    scheduled_slots: scheduled,
    deferred_slots: 0,
    description: pool.description ?? null,
    include_deferred: false,
  };
}
