import { StoreError } from "../errors.js";
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { mkdir, open, rename } from "node:fs/promises";
import { dirname } from "node:path";
import type { Adapter } from "lowdb";

/** What to do about a store file Kitelab cannot read; shared by every such error. */
export const DAMAGED_ADVICE =
  "Kitelab never writes a half file, so it was changed by hand or by another program: restore it from a backup, or move it away to start that part of the history afresh";

/** The temporary file a writer uses for `path`: `<file>.json.<pid>.tmp`. */
function temporaryPathOf(path: string): string {
  return `${path}.${process.pid}.tmp`;
}

/** The pid of the writer whose temporary file this name is, or undefined for any other file. */
export function temporaryFileWriter(name: string): number | undefined {
  const pid = /\.json\.(\d+)\.tmp$/.exec(name)?.[1];
  return pid === undefined ? undefined : Number(pid);
}

/**
 * A lowdb adapter for one JSON file. A write goes to a temporary file, is flushed to disk
 * (fsync), then renamed over the old file: after a crash the file holds the old or the new
 * content, never half of one. A missing file reads as null; an unreadable one throws,
 * naming the file (it is never treated as empty).
 */
export class AtomicJsonFile<T> implements Adapter<T> {
  constructor(readonly path: string) {}

  async read(): Promise<T | null> {
    return this.readSync();
  }

  readSync(): T | null {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new StoreError(`${this.path} is not valid JSON (${(error as Error).message}). ${DAMAGED_ADVICE}`);
    }
    // Every store file holds one object: `null`, an array or a number is damage too, not "no data".
    if (typeof data !== "object" || data === null || Array.isArray(data)) {
      throw new StoreError(
        `${this.path} holds ${data === null ? "null" : Array.isArray(data) ? "an array" : `a ${typeof data}`}, not a Kitelab record. ${DAMAGED_ADVICE}`,
      );
    }
    return data as T;
  }

  /** The same as writeSync without blocking the event loop (the scheduler's compactions). */
  async write(data: T): Promise<void> {
    await this.writeText(JSON.stringify(data));
  }

  /** Writes data already serialized, so the caller decides the moment its content is taken. */
  async writeText(text: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temporary = temporaryPathOf(this.path);
    const handle = await open(temporary, "w", 0o600);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, this.path);
  }

  writeSync(data: T): void {
    // Serialized first: data that cannot be (a BigInt, a cycle, too deep) must leave no empty temporary file.
    const text = JSON.stringify(data);
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = temporaryPathOf(this.path);
    const fd = openSync(temporary, "w", 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path);
  }
}
