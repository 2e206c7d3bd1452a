import { readFileSync } from "node:fs";

/** Why a worker holding a task can make no progress, or undefined when it can. */
export type Stall = "gone" | "zombie" | "stopped" | "disconnected";

/**
 * What the system says of a process: gone, a zombie nobody reaped, stopped (SIGSTOP, a
 * debugger), or undefined for alive. Linux's /proc tells all of it; elsewhere only "gone".
 */
export function processStall(pid: number): Stall | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The state follows the command name, which is in parentheses and may hold spaces.
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state === "Z" || state === "X") return "zombie";
    if (state === "T" || state === "t") return "stopped";
    return undefined;
  } catch {
    try {
      process.kill(pid, 0);
      return undefined;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "ESRCH" ? "gone" : undefined;
    }
  }
}

export interface HeldSlot {
  pid: number | undefined;
  /** Whether the IPC channel to it is still open. */
  connected: boolean;
  /** The task it holds, for the message. */
  task: string;
}

/**
 * Keeps, per held slot, since when it has been stalled, and says when every slot of the
 * executor has been held by a stalled worker for `afterMs`: then no queued task can ever
 * start, and /health must say so rather than "healthy".
 */
export class StallWatch {
  private readonly since = new Map<number | undefined, number>();

  constructor(private readonly afterMs: number) {}

  /** The problem to report, or undefined. `slots` is the executor's size. */
  check(held: readonly HeldSlot[], slots: number, now = Date.now()): string | undefined {
    const stalls = held.map((slot) => ({
      slot,
      stall: slot.connected ? (slot.pid === undefined ? "gone" : processStall(slot.pid)) : "disconnected",
    }));
    const stalled = new Set(stalls.filter((entry) => entry.stall !== undefined).map((entry) => entry.slot.pid));
    for (const pid of [...this.since.keys()]) if (!stalled.has(pid)) this.since.delete(pid);
    for (const pid of stalled) if (!this.since.has(pid)) this.since.set(pid, now);
    if (held.length < slots || stalled.size < held.length) return undefined;
    if (stalls.some((entry) => now - (this.since.get(entry.slot.pid) ?? now) < this.afterMs)) return undefined;
    const which = stalls.map((entry) => `pid ${entry.slot.pid ?? "?"} ${entry.stall} (task ${entry.slot.task})`);
    return `all ${slots} executor slot(s) are held by worker processes that make no progress: ${which.join(", ")}; queued tasks cannot start. Resume or kill those processes (kill -CONT / kill -9 <pid>), or restart the scheduler`;
  }
}
