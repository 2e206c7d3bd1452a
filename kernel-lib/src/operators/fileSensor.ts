import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { TaskError } from "../errors.js";
import { BaseSensorOperator, type BaseSensorOptions } from "./baseSensor.js";

export interface FileSensorOptions extends BaseSensorOptions {
  /** The file to wait for (a template; `*` and `?` match within the last path segment). */
  filepath: string;
}

/** Waits until a file (or a file matching a pattern) exists (Airflow's FileSensor). */
export class FileSensor extends BaseSensorOperator<string> {
  readonly operatorName = "FileSensor";
  override readonly templateFields = ["filepath"] as const;
  readonly filepath: string;

  constructor(options: FileSensorOptions) {
    const { filepath, ...rest } = options;
    super(rest);
    if (typeof filepath !== "string" || filepath === "") {
      throw new TaskError(`FileSensor '${rest.taskId}' needs a \`filepath\` to wait for`);
    }
    this.filepath = filepath;
  }

  poke(): Promise<string | undefined> {
    return findMatch(this.filepath);
  }

  describeTarget(): string {
    return this.filepath;
  }
}

async function findMatch(pattern: string): Promise<string | undefined> {
  const name = basename(pattern);
  if (!/[*?]/.test(name)) {
    return (await exists(pattern)) ? pattern : undefined;
  }
  const matcher = new RegExp(
    `^${name
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
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
