import { linkSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { KitelabError } from "../errors.js";
import { isSameProcessAlive, processIdentity } from "../util/processes.js";

export interface LockOwner {
  pid: number;
  hostname: string;
  startedAt: string;
  /** Tells the owner from a later process that got the same pid (see processIdentity). */
  process?: string;
}

export class StoreLockedError extends KitelabError {
  override name = "StoreLockedError";
}

/** A takeover guard older than this was left by a process that died mid-takeover. */
const STALE_GUARD_MS = 10_000;
const ATTEMPTS = 20;

/**
 * Takes the single-writer lock: a file holding the owner's pid, created whole or not at all
 * (written aside, then hard-linked into place, which fails if the lock exists). A lock held
 * by a live process is refused, naming it; a stale one (dead pid, a pid now used by another
 * process, or unreadable) is taken over. Takeovers are serialized by a guard file, so two processes that find the same stale
 * lock cannot both end up holding it.
 */
export function acquireLock(
  path: string,
  what: string,
): { owner: LockOwner; tookOverFrom?: LockOwner; release(): void } {
  const identity = processIdentity(process.pid);
  const owner: LockOwner = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    ...(identity ? { process: identity } : {}),
  };
  let tookOverFrom: LockOwner | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    if (createWhole(path, JSON.stringify(owner))) return { owner, tookOverFrom, release: () => releaseIfOwned(path) };
    const text = readText(path);
    if (text === undefined) continue; // released between our two steps: try again
    const holder = parseOwner(text);
    if (
      holder &&
      holder.hostname === owner.hostname &&
      holder.pid !== process.pid &&
      isSameProcessAlive(holder.pid, holder.process)
    ) {
      throw new StoreLockedError(
        `Another Kitelab scheduler (pid ${holder.pid}, started ${holder.startedAt}) is using ${what}. Stop it first (kill ${holder.pid}), or give this one another KITELAB_HOME`,
      );
    }
    if (removeIfUnchanged(path, text)) {
      if (holder) tookOverFrom = holder;
    } else {
      pause(5 + attempt * 5); // another process is taking over: let it finish
    }
  }
  throw new StoreLockedError(
    `Could not take the lock ${path}: other processes keep taking it; start one scheduler per KITELAB_HOME`,
  );
}

/** Creates `path` with `content`, atomically and exclusively; false when it already exists. */
function createWhole(path: string, content: string): boolean {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.new`;
  writeFileSync(aside, content, { mode: 0o600 });
  try {
    linkSync(aside, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    rmSync(aside, { force: true });
  }
}

/** Removes the stale lock only if it still holds `staleText`, under the takeover guard. */
function removeIfUnchanged(path: string, staleText: string): boolean {
  const guard = `${path}.takeover`;
  if (!createWhole(guard, String(process.pid))) {
    const age = ageMs(guard);
    if (age !== undefined && age > STALE_GUARD_MS) rmSync(guard, { force: true });
    return false;
  }
  try {
    if (readText(path) !== staleText) return false;
    rmSync(path, { force: true });
    return true;
  } finally {
    rmSync(guard, { force: true });
  }
}

function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    return typeof value.pid === "number" && typeof value.hostname === "string" ? (value as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function ageMs(path: string): number | undefined {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function releaseIfOwned(path: string): void {
  const holder = parseOwner(readText(path) ?? "");
  if (holder?.pid === process.pid) rmSync(path, { force: true });
}
