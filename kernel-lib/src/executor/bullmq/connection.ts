import { Redis, type RedisOptions } from "ioredis";
import type { Result } from "./wire.js";
import { describeRedisUrl, redisOptionsOf } from "./settings.js";

/**
 * Connects once to check that Redis answers, so a wrong `redis_url` is a clear error at
 * start rather than a scheduler that waits forever.
 */
export async function checkRedis(url: string, timeoutMs = 5000): Promise<Result<RedisOptions>> {
  const options = redisOptionsOf(url);
  if (!options.ok) return options;
  const probe = new Redis({
    ...options.value,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
  });
  probe.on("error", () => {});
  try {
    await probe.connect();
    await probe.ping();
    return options;
  } catch (error) {
    return {
      ok: false,
      error:
        `cannot reach Redis at ${describeRedisUrl(url)} ([bullmq] redis_url): ${(error as Error).message}. ` +
        "Start redis-server there, or point [bullmq] redis_url (or KITELAB__BULLMQ__REDIS_URL) at a running Redis.",
    };
  } finally {
    probe.disconnect();
  }
}

/** A connection for Kitelab's own keys (heartbeats, claims), with the same reconnection rules. */
export function openRedis(options: RedisOptions): Redis {
  const redis = new Redis(options);
  // Errors while Redis is away are expected: ioredis reconnects and replays the commands.
  redis.on("error", () => {});
  return redis;
}
