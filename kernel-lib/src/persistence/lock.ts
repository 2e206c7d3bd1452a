import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { KitelabError } from "../errors.js";
import { isProcessAlive } from "../util/processes.js";

export interface LockOwner {
  pid: number;
  hostname: string;
  startedAt: string;
}

export class StoreLockedError extends KitelabError {
  override name = "StoreLockedError";
}

/**
 * Takes the single-writer lock (a file created exclusively, holding the owner's pid).
 * A lock held by a live process is refused, naming it; a stale one (dead pid) is taken over.
 */
export function acquireLock(path: string, what: string): { owner: LockOwner; tookOverFrom?: LockOwner; release(): void } {
  const owner: LockOwner = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, JSON.stringify(owner));
      closeSync(fd);
      return { owner, release: () => releaseIfOwned(path) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    let holder: LockOwner | undefined;
    try {
      holder = JSON.parse(readFileSync(path, "utf8")) as LockOwner;
    } catch {
      holder = undefined;
    }
    if (holder && holder.hostname === owner.hostname && isProcessAlive(holder.pid) && holder.pid !== process.pid) {
      throw new StoreLockedError(
        `Another Kitelab scheduler (pid ${holder.pid}, started ${holder.startedAt}) is using ${what}. Stop it first (kill ${holder.pid}), or give this one another KITELAB_HOME`,
      );
    }
    rmSync(path, { force: true });
    if (holder) {
      const result = acquireLock(path, what);
      return { ...result, tookOverFrom: holder };
    }
  }
  throw new StoreLockedError(`Could not take the lock ${path}`);
}

function releaseIfOwned(path: string): void {
  try {
    const holder = JSON.parse(readFileSync(path, "utf8")) as LockOwner;
    if (holder.pid === process.pid) rmSync(path, { force: true });
  } catch {
    // Already gone.
  }
}
