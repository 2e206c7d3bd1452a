import { SkipTask, TaskError } from "../errors.js";
import { BaseOperator, type BaseOperatorOptions } from "../dag/baseOperator.js";
import type { TaskContext } from "../dag/context.js";
import { formatDuration, toMilliseconds, type Duration } from "../util/duration.js";

export interface BaseSensorOptions extends BaseOperatorOptions {
  /** Time between checks. @default "60s" */
  pokeInterval?: Duration;
  /** Give up after this long. @default "7d" (Airflow's default) */
  timeout?: Duration;
  /** On timeout, mark the task skipped instead of failed. @default false */
  softFail?: boolean;
}

/**
 * Airflow's BaseSensorOperator (poke mode): calls `poke` every `pokeInterval` until it returns
 * something other than undefined (the task's return value), or fails after `timeout`.
 */
export abstract class BaseSensorOperator<T> extends BaseOperator {
  private readonly pokeIntervalMs: number;
  private readonly timeoutMs: number;
  private readonly softFail: boolean;

  constructor(options: BaseSensorOptions) {
    const { pokeInterval, timeout, softFail, ...rest } = options;
    super(rest);
    this.pokeIntervalMs = toMilliseconds(pokeInterval ?? "60s", "pokeInterval");
    this.timeoutMs = toMilliseconds(timeout ?? "7d", "timeout");
    this.softFail = softFail ?? false;
  }

  /** One check: what was found, or undefined to wait and check again. */
  abstract poke(context: TaskContext): Promise<T | undefined>;

  /** What the sensor waits for, in log lines and the timeout message. */
  abstract describeTarget(): string;

  async execute(context: TaskContext): Promise<T> {
    const started = Date.now();
    for (let poke = 1; ; poke += 1) {
      const found = await this.poke(context);
      if (found !== undefined) {
        context.log.info(`Found ${typeof found === "string" ? found : this.describeTarget()} after ${poke} poke(s)`);
        return found;
      }
      const waited = Date.now() - started;
      if (waited >= this.timeoutMs) {
        const message = `${this.operatorName} timed out after ${formatDuration(waited)} waiting for ${this.describeTarget()}`;
        if (this.softFail) throw new SkipTask(message);
        throw new TaskError(message);
      }
      context.log.info(`Poking for ${this.describeTarget()} (not there yet)`);
      await sleep(Math.min(this.pokeIntervalMs, this.timeoutMs - waited), context.signal);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
