import { readFileSync } from "node:fs";

/** True when a process with this pid exists (on this machine). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * What tells this process from a later one given the same pid: the boot and the moment it
 * started, in clock ticks since boot (`/proc/<pid>/stat`, field 22). Undefined where /proc
 * is not (macOS, Windows) or the process is gone; callers then fall back to liveness alone.
 */
export function processIdentity(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const startTicks = fields[19];
    if (!startTicks || !/^\d+$/.test(startTicks)) return undefined;
    return `${bootId()}:${startTicks}`;
  } catch {
    return undefined;
  }
}

let cachedBootId: string | undefined;
function bootId(): string {
  cachedBootId ??= readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  return cachedBootId;
}

/**
 * True when the process that recorded `identity` (from processIdentity) still runs as `pid`.
 * A pid now used by another process is not it; without an identity (an older record, or
 * no /proc) liveness decides.
 */
export function isSameProcessAlive(pid: number, identity: string | undefined): boolean {
  if (!isProcessAlive(pid)) return false;
  if (identity === undefined) return true;
  const current = processIdentity(pid);
  return current === undefined || current === identity;
}
