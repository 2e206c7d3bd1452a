/**
 * An attempt owns every process it starts. Two marks make that enforceable:
 * - every worker runs in its own process group, and every process a task starts inherits
 *   two environment variables: the owner (one per Kitelab home) and the attempt;
 * - on Linux, `/proc/<pid>/environ` shows those marks even for processes that left the
 *   group (a BashOperator command, a daemon that called setsid), so the leftovers of an
 *   attempt, or of a whole crashed scheduler, can be found and ended.
 */
import { ConflictError } from "../errors.js";
import { readdirSync, readFileSync } from "node:fs";

/** Names the scheduler (one per home) whose workers started the process. */
export const OWNER_ENV = "KITELAB_PROCESS_OWNER";
/** Names the attempt (`dag/run/task/try`) that started the process. */
export const ATTEMPT_ENV = "KITELAB_ATTEMPT";

/** Process groups started by the running attempt (a BashOperator's command), shared across module copies. */
const GROUPS_KEY = Symbol.for("kitelab.attemptProcessGroups");
function groups(): Set<number> {
  const holder = globalThis as unknown as Record<symbol, Set<number> | undefined>;
  holder[GROUPS_KEY] ??= new Set<number>();
  return holder[GROUPS_KEY]!;
}

/** Records a process group the running attempt started, so it ends with the attempt or the worker. */
export function ownProcessGroup(pgid: number): void {
  groups().add(pgid);
}

export function releaseProcessGroup(pgid: number): void {
  groups().delete(pgid);
}

/** The environment marks a process started by the running attempt must carry. */
export function ownershipEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const marks: Record<string, string> = {};
  if (env[OWNER_ENV]) marks[OWNER_ENV] = env[OWNER_ENV]!;
  if (env[ATTEMPT_ENV]) marks[ATTEMPT_ENV] = env[ATTEMPT_ENV]!;
  return marks;
}

/** Sends `signal` to a whole process group; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Pids of live processes whose environment holds every given mark (Linux only: elsewhere
 * there is no portable way to read another process's environment, and process groups are
 * the only guard). Zombies have an empty environment and are not listed.
 */
export function processesMarked(marks: Record<string, string>, exclude: ReadonlySet<number> = new Set()): number[] {
  if (process.platform !== "linux") return [];
  const wanted = Object.entries(marks).map(([name, value]) => `${name}=${value}`);
  if (wanted.length === 0) return [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid || exclude.has(pid)) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, "utf8");
    } catch {
      continue; // gone, or another user's process
    }
    const variables = environ.split("\0");
    if (wanted.every((mark) => variables.includes(mark))) found.push(pid);
  }
  return found;
}

/**
 * Ends the processes an attempt left behind: the process groups it registered and every
 * process that carries its marks. SIGKILL, since the attempt is over and nothing may outlive it.
 */
export function killAttemptLeftovers(marks: Record<string, string>, exclude: ReadonlySet<number> = new Set()): number {
  let killed = 0;
  for (const pgid of groups()) {
    if (signalGroup(pgid, "SIGKILL")) killed += 1;
    groups().delete(pgid);
  }
  for (const pid of processesMarked(marks, exclude)) {
    try {
      process.kill(pid, "SIGKILL");
      killed += 1;
    } catch {
      // Already gone.
    }
  }
  return killed;
}

/**
 * Kills every process marked as started by workers of `owner` (a crashed scheduler's
 * orphans) and waits until none lives, so no retry runs beside a previous attempt.
 * Resolves with the pids it killed; rejects, naming them, if some outlive `timeoutMs`.
 */
export async function reapOrphans(owner: string, timeoutMs = 10_000): Promise<number[]> {
  const marks = { [OWNER_ENV]: owner };
  const killed = new Set<number>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = processesMarked(marks);
    if (alive.length === 0) return [...killed];
    if (Date.now() > deadline) {
      throw new ConflictError(
        `processes started by an earlier scheduler's tasks are still alive after SIGKILL (pids ${alive.join(", ")}); end them (kill -9 ${alive.join(" ")}) and start again`,
      );
    }
    for (const pid of alive) {
      try {
        process.kill(pid, "SIGKILL");
        killed.add(pid);
      } catch {
        // Already gone.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
