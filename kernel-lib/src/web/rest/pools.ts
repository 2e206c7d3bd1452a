import type { PoolRecord } from "../../records.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { integerOf, optionalString } from "./request.js";

export const DEFAULT_POOL = "default_pool";

/** Pools as both API versions keep them: the records in the shared settings, with the slots task instances hold. */
export function poolCollection(context: AppContext) {
  const shared = context.deps.shared;
  return {
    path: "/pools",
    pathName: "pool name",
    keyField: "name",
    listField: "pools",
    records: () => shared.pools(),
    keyOf: (pool: PoolRecord) => pool.name,
    created: poolFrom,
    save: (pool: PoolRecord) => shared.setPool(pool),
    remove: (name: string) => shared.deletePool(name),
  };
}

export function poolFrom(name: string, body: Record<string, unknown>): PoolRecord {
  return { name, slots: requiredSlots(body), description: optionalString(body, "description") };
}

/** `current` with the `fields` a PATCH changes taken from its body. */
export function updatedPool(current: PoolRecord, body: Record<string, unknown>, fields: readonly string[]): PoolRecord {
  return {
    name: current.name,
    slots: fields.includes("slots") ? requiredSlots(body) : current.slots,
    description: fields.includes("description") ? optionalString(body, "description") : current.description,
  };
}

export function noDeferred(body: Record<string, unknown>): void {
  if (body.include_deferred === true)
    throw new HttpError(400, "Kitelab has no deferred tasks: `include_deferred` can only be false.");
}

/**
 * The answers of a pool collection in a version's `shape`: with the slots its task
 * instances hold right now (counted once for a list), none for a pool just created.
 */
export function poolAnswers<T>(context: AppContext, shape: (pool: PoolRecord, usage: Usage) => T) {
  return {
    json: (pool: PoolRecord) => shape(pool, poolUsage(context).get(pool.name) ?? NO_USAGE),
    listJson(pools: readonly PoolRecord[]): T[] {
      const usage = poolUsage(context);
      return pools.map((pool) => shape(pool, usage.get(pool.name) ?? NO_USAGE));
    },
    createdJson: (pool: PoolRecord) => shape(pool, NO_USAGE),
  };
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

/** A pool nothing uses. */
export const NO_USAGE: Usage = { running: 0, queued: 0, scheduled: 0 };

/** The slot counts both versions answer for a pool. */
export function slotsJson(pool: PoolRecord, { running, queued, scheduled }: Usage) {
  return {
    occupied_slots: running + queued,
    running_slots: running,
    queued_slots: queued,
    open_slots: Math.max(0, pool.slots - running - queued),
    scheduled_slots: scheduled,
    deferred_slots: 0,
  };
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
