import fs from "node:fs";
import { waitFor } from "./waitFor.js";

/**
 * The living processes (zombies excluded) whose environment has `name=value`, with their command
 * lines. A test puts such a mark in the environment of what it starts: every descendant inherits
 * it, so one that left the process group or was reparented is found too. Linux only (/proc).
 */
export function markedProcesses(name: string, value: string): { pid: number; command: string }[] {
  const found: { pid: number; command: string }[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = fs.readFileSync(`/proc/${entry}/environ`, "utf8");
      if (!environ.split("\0").includes(`${name}=${value}`)) continue;
      const state = fs.readFileSync(`/proc/${entry}/stat`, "utf8").replace(/^.*\) /, "")[0];
      if (state === "Z") continue;
      const command = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim();
      found.push({ pid: Number(entry), command });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

/**
 * True once `pid` has ended: no such process, or a zombie (it has exited and only waits for its
 * parent, often pid 1 in a container, to reap it; `kill(pid, 0)` still succeeds on a zombie).
 */
export function hasEnded(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "")[0] === "Z";
  } catch {
    return true;
  }
}

/** Waits for `pid` to end (a zombie counts as ended). */
export const processEnded = (pid: number) =>
  waitFor(`process ${pid} to end`, () => (hasEnded(pid) ? true : undefined), 30_000);

/** Waits for a task to write its pid to `path`, and reads it. */
export const pidWrittenTo = (path: string) =>
  waitFor(`a pid in ${path}`, () => {
    try {
      const text = fs.readFileSync(path, "utf8").trim();
      return text === "" ? undefined : Number(text);
    } catch {
      return undefined;
    }
  });
