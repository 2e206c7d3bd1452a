import { createHash } from "node:crypto";

/** Airflow's cap on any retry delay when maxRetryDelay is not set: one day. */
export const MAX_RETRY_DELAY_MS = 24 * 60 * 60 * 1000;

export interface RetryPolicy {
  retries: number;
  retryDelayMs: number;
  retryExponentialBackoff: boolean;
  maxRetryDelayMs?: number;
}

/** Identifies one attempt, so the backoff jitter is deterministic as in Airflow. */
export interface AttemptKey {
  dagId: string;
  taskId: string;
  logicalDate: string;
  tryNumber: number;
}

/**
 * The wait before the next attempt after attempt `tryNumber` failed.
 * With exponential backoff, as Airflow computes it: a minimum of
 * `retryDelay * 2^(tryNumber - 1)`, plus a deterministic jitter below that minimum
 * (from a hash of the attempt), capped by `maxRetryDelay` (one day by default).
 */
export function retryDelayMs(policy: RetryPolicy, attempt: AttemptKey): number {
  const cap = Math.min(policy.maxRetryDelayMs ?? MAX_RETRY_DELAY_MS, MAX_RETRY_DELAY_MS);
  if (!policy.retryExponentialBackoff) return Math.min(policy.retryDelayMs, cap);
  const baseSeconds = policy.retryDelayMs / 1000;
  const minBackoffSeconds = Math.ceil(baseSeconds * 2 ** Math.max(0, attempt.tryNumber - 1));
  if (minBackoffSeconds <= 0) return 0;
  const digest = createHash("sha1")
    .update(`${attempt.dagId}#${attempt.taskId}#${attempt.logicalDate}#${attempt.tryNumber}`)
    .digest();
  const hash = digest.readUInt32BE(0);
  const seconds = minBackoffSeconds + (hash % minBackoffSeconds);
  return Math.min(seconds * 1000, cap);
}

/** True when a failed attempt `tryNumber` (1-based) still has a retry left. */
export function hasRetryLeft(policy: Pick<RetryPolicy, "retries">, tryNumber: number): boolean {
  return tryNumber <= policy.retries;
}
