// One voice for setup and start: every line says which step it belongs to.
import { spawnSync } from "node:child_process";

export function step(name, message) {
  console.log(`[kitelab setup] ${name}: ${message}`);
}

export function warn(name, message) {
  console.warn(`[kitelab setup] ${name}: WARNING: ${message}`);
}

export class SetupError extends Error {
  name = "SetupError";
}

/** Runs a command with its output shown; returns its exit status (null when it could not start). */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: "inherit", ...options });
  if (result.error) return null;
  return result.status;
}

/** Runs a command quietly and returns its stdout, or null when it failed. */
export function capture(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", ...options });
  if (result.error || result.status !== 0) return null;
  return result.stdout;
}
