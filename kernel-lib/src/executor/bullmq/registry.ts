/**
 * Workers announce themselves in Redis: a record per worker (for the worker view) and an
 * "alive" key that expires when heartbeats stop (for the view's online/offline and for the
 * scheduler's lost-attempt check). Claims say which worker took which attempt.
 */
import type { Redis } from "ioredis";
import type { AttemptKey } from "../protocol.js";

export interface RunningAttempt {
  key: AttemptKey;
  startedAt: string;
}

/** What a worker writes at each heartbeat. */
export interface WorkerRecord {
  id: string;
  hostname: string;
  pid: number;
  queues: string[];
  concurrency: number;
  startedAt: string;
  lastHeartbeat: string;
  /** "stopped" once it shut down gracefully. */
  state: "online" | "stopping" | "stopped";
  running: RunningAttempt[];
  done: number;
  failed: number;
}

/** A worker as the view shows it: offline when it stopped or its heartbeats ceased. */
export interface WorkerView extends Omit<WorkerRecord, "state"> {
  state: "online" | "stopping" | "offline";
}

export function workerStateOf(record: WorkerRecord, alive: boolean): WorkerView["state"] {
  if (record.state === "stopped" || !alive) return "offline";
  return record.state;
}

export const keys = {
  workers: (prefix: string) => `${prefix}:kitelab:workers`,
  alive: (prefix: string, workerId: string) => `${prefix}:kitelab:alive:${workerId}`,
  claim: (prefix: string, jobId: string) => `${prefix}:kitelab:claim:${jobId}`,
  cancels: (prefix: string) => `${prefix}:kitelab:cancel`,
  /** Pub/sub channel of running attempts' new log bytes (LogChunk). */
  liveLogs: (prefix: string) => `${prefix}:kitelab:logs`,
};

/** A claim's value once its attempt ended: `ended:<worker id>`. */
const ENDED = "ended:";

/** Long enough to outlive any redelivery of the same message. */
export const CLAIM_TTL_MS = 7 * 24 * 3600 * 1000;

export async function writeHeartbeat(
  redis: Redis,
  prefix: string,
  record: WorkerRecord,
  offlineAfterMs: number,
): Promise<void> {
  const batch = redis.multi().hset(keys.workers(prefix), record.id, JSON.stringify(record));
  if (record.state === "stopped") batch.del(keys.alive(prefix, record.id));
  else batch.set(keys.alive(prefix, record.id), "1", "PX", Math.max(1, Math.round(offlineAfterMs)));
  await batch.exec();
}

export async function readWorkers(redis: Redis, prefix: string): Promise<WorkerView[]> {
  const all = await redis.hgetall(keys.workers(prefix));
  const records = Object.values(all).map((text) => JSON.parse(text) as WorkerRecord);
  if (records.length === 0) return [];
  const alive = await redis.mget(...records.map((record) => keys.alive(prefix, record.id)));
  return records
    .map((record, index) => ({ ...record, state: workerStateOf(record, alive[index] !== null) }))
    .sort((a, b) => a.hostname.localeCompare(b.hostname) || a.startedAt.localeCompare(b.startedAt));
}

/**
 * Takes an attempt for this worker. False when another delivery of the same message
 * already took it: the attempt must not run again.
 */
export async function claimAttempt(
  redis: Redis,
  prefix: string,
  jobId: string,
  workerId: string,
): Promise<{ claimed: true } | { claimed: false; by: string }> {
  const result = await redis.set(keys.claim(prefix, jobId), workerId, "PX", CLAIM_TTL_MS, "NX");
  if (result === "OK") return { claimed: true };
  const owner = await redis.get(keys.claim(prefix, jobId));
  return { claimed: false, by: owner?.replace(ENDED, "") ?? "another worker" };
}

/** Marks a claimed attempt as ended (its finished event is on the way), so a worker stopping afterwards does not make it look lost. */
export async function markAttemptEnded(redis: Redis, prefix: string, jobId: string, workerId: string): Promise<void> {
  await redis.set(keys.claim(prefix, jobId), `${ENDED}${workerId}`, "PX", CLAIM_TTL_MS);
}

/** For each job id: the worker that claimed it (undefined: none yet) and whether that worker is alive (an ended attempt counts as alive). */
export async function claimsOf(
  redis: Redis,
  prefix: string,
  jobIds: string[],
): Promise<Array<{ workerId?: string; alive: boolean }>> {
  if (jobIds.length === 0) return [];
  const owners = await redis.mget(...jobIds.map((id) => keys.claim(prefix, id)));
  const unique = [...new Set(owners.filter((owner): owner is string => owner !== null && !owner.startsWith(ENDED)))];
  const aliveList = unique.length > 0 ? await redis.mget(...unique.map((id) => keys.alive(prefix, id))) : [];
  const alive = new Map(unique.map((id, index) => [id, aliveList[index] !== null]));
  return owners.map((owner) => {
    if (owner === null) return { alive: false };
    if (owner.startsWith(ENDED)) return { workerId: owner.slice(ENDED.length), alive: true };
    return { workerId: owner, alive: alive.get(owner) ?? false };
  });
}
