// The `[bullmq]` settings and the Redis URL, read without loading ioredis or BullMQ: the CLI and the
// scheduler import this much even when the executor is the LocalExecutor.
import type { RedisOptions } from "ioredis";
import type { BullmqConfig } from "../../config/types.js";
import type { Result } from "./wire.js";

/** What the BullMQ executor and `kitelab worker` need from `[bullmq]`, durations in milliseconds. */
export interface BullmqSettings {
  redisUrl: string;
  prefix: string;
  defaultQueue: string;
  workerConcurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  heartbeatMs: number;
  offlineAfterMs: number;
}

export function bullmqSettingsOf(config: BullmqConfig): BullmqSettings {
  return {
    redisUrl: config.redisUrl,
    prefix: config.prefix,
    defaultQueue: config.defaultQueue,
    workerConcurrency: config.workerConcurrency,
    lockDurationMs: config.lockDuration * 1000,
    stalledIntervalMs: config.stalledInterval * 1000,
    maxStalledCount: config.maxStalledCount,
    heartbeatMs: config.workerHeartbeatInterval * 1000,
    offlineAfterMs: config.workerOfflineAfter * 1000,
  };
}

/**
 * ioredis options from `redis://[user:password@]host:port/db` (or rediss:// for TLS).
 * `maxRetriesPerRequest: null` is what BullMQ needs: while Redis is away, commands wait for
 * the reconnection instead of failing, so a Redis restart costs a pause, not a lost event.
 */
export function redisOptionsOf(url: string): Result<RedisOptions> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return {
      ok: false,
      error: `[bullmq] redis_url ${JSON.stringify(url)} is not a URL; use one such as redis://127.0.0.1:6379/0`,
    };
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    return { ok: false, error: `[bullmq] redis_url ${JSON.stringify(url)} is not a redis:// or rediss:// URL` };
  }
  const db = parsed.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d+$/.test(db))
    return {
      ok: false,
      error: `[bullmq] redis_url ${JSON.stringify(url)}: the database after / must be a number, such as /0`,
    };
  return {
    ok: true,
    value: {
      host: parsed.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1",
      port: parsed.port ? Number(parsed.port) : 6379,
      db: db === "" ? 0 : Number(db),
      ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
      ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
      ...(parsed.protocol === "rediss:" ? { tls: {} } : {}),
      maxRetriesPerRequest: null,
      // Reconnect quickly and forever: a restarted Redis is picked up within a second.
      retryStrategy: (times: number) => Math.min(100 * times, 1000),
    },
  };
}

/** Where the URL points, without its password, for messages. */
export function describeRedisUrl(url: string): string {
  return url.replace(/\/\/([^@/]*:)?[^@/]*@/, "//***@");
}
