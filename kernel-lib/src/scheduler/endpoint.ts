import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isSameProcessAlive, processIdentity } from "../util/processes.js";

/** What a running scheduler writes to `$KITELAB_HOME/scheduler.json`, so the CLI and the notebook can reach it. */
export interface SchedulerEndpoint {
  pid: number;
  url: string;
  startedAt: string;
  /** Who started it, from `$KITELAB_STARTED_BY`: "notebook" for `startScheduler()` in a cell. */
  startedBy?: string;
  /** Tells the scheduler from a later process that got the same pid (see processIdentity). */
  process?: string;
}

export function endpointPath(home: string): string {
  return join(home, "scheduler.json");
}

export function writeEndpoint(home: string, endpoint: SchedulerEndpoint): void {
  const identity = processIdentity(endpoint.pid);
  const recorded = identity ? { ...endpoint, process: identity } : endpoint;
  writeFileSync(endpointPath(home), `${JSON.stringify(recorded, null, 2)}\n`, { mode: 0o600 });
}

export function removeEndpoint(home: string, pid: number): void {
  const found = readEndpoint(home);
  if (found && found.pid === pid) rmSync(endpointPath(home), { force: true });
}

function readEndpoint(home: string): SchedulerEndpoint | undefined {
  const path = endpointPath(home);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as SchedulerEndpoint;
  } catch {
    return undefined;
  }
}

/** The running scheduler of this home, if there is one (a stale endpoint file is ignored). */
export function runningScheduler(home: string): SchedulerEndpoint | undefined {
  const endpoint = readEndpoint(home);
  return endpoint && isSameProcessAlive(endpoint.pid, endpoint.process) ? endpoint : undefined;
}
