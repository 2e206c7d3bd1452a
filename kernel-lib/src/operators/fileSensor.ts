import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { SkipTask, TaskError } from "../errors.js";
import { BaseOperator, type BaseOperatorOptions } from "../dag/baseOperator.js";
import type { TaskContext } from "../dag/context.js";
import { formatDuration, toMilliseconds, type Duration } from "../util/duration.js";

export interface FileSensorOptions extends BaseOperatorOptions {
  /** The file to wait for (a template; `*` and `?` match within the last path segment). */
  filepath: string;
  /** Time between checks. @default "60s" */
  pokeInterval?: Duration;
  /** Give up after this long. @default "7d" (Airflow's default) */
  timeout?: Duration;
  /** On timeout, mark the task skipped instead of failed. @default false */
  softFail?: boolean;
}

/** Waits until a file (or a file matching a pattern) exists (Airflow's FileSensor). */
export class FileSensor extends BaseOperator {
  readonly operatorName = "FileSensor";
  override readonly templateFields = ["filepath"] as const;
  readonly filepath: string;
  private readonly pokeIntervalMs: number;
  private readonly timeoutMs: number;
  private readonly softFail: boolean;

  constructor(options: FileSensorOptions) {
    const { filepath, pokeInterval, timeout, softFail, ...rest } = options;
    super(rest);
    if (typeof filepath !== "string" || filepath === "") {
      throw new TaskError(`FileSensor '${rest.taskId}' needs a \`filepath\` to wait for`);
    }
    this.filepath = filepath;
    this.pokeIntervalMs = toMilliseconds(pokeInterval ?? "60s", "pokeInterval");
    this.timeoutMs = toMilliseconds(timeout ?? "7d", "timeout");
    this.softFail = softFail ?? false;
  }

  async execute(context: TaskContext): Promise<string> {
    const started = Date.now();
    for (let poke = 1; ; poke += 1) {
      const found = await findMatch(this.filepath);
      if (found) {
        context.log.info(`Found ${found} after ${poke} poke(s)`);
        return found;
      }
      const waited = Date.now() - started;
      if (waited >= this.timeoutMs) {
        const message = `FileSensor timed out after ${formatDuration(waited)} waiting for ${this.filepath}`;
        if (this.softFail) throw new SkipTask(message);
        throw new TaskError(message);
      }
      context.log.info(`Poking for ${this.filepath} (not there yet)`);
      await sleep(Math.min(this.pokeIntervalMs, this.timeoutMs - waited), context.signal);
    }
  }
}

async function findMatch(pattern: string): Promise<string | undefined> {
  const name = basename(pattern);
  if (!/[*?]/.test(name)) {
    return (await exists(pattern)) ? pattern : undefined;
  }
  const matcher = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  try {
    const entries = await readdir(dirname(pattern));
    const match = entries.sort().find((entry) => matcher.test(entry));
    return match ? join(dirname(pattern), match) : undefined;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
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
