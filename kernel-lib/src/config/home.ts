import { existsSync, linkSync, mkdirSync, unlinkSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { defaultConfigText } from "./defaultText.js";

/** The environment, passed in rather than read from `process.env`, so tests give their own. */
export type ConfigEnv = Readonly<Record<string, string | undefined>>;

/** The name of the config file inside the Kitelab home. */
export const CONFIG_FILE_NAME = "airflow.cfg";

/** The user's home folder: `HOME` from `env`, else the system's answer. */
export function userHomeOf(env: ConfigEnv): string {
  const home = env.HOME;
  return home && home.length > 0 ? home : homedir();
}

/**
 * The Kitelab home: `$KITELAB_HOME` (a leading `~` is expanded, a relative path is taken from
 * the current directory), else `~/kitelab`. `AIRFLOW_HOME` is deliberately not used: it
 * usually points at a real Airflow installation, whose dags and database are not Kitelab's.
 *
 * @example resolveHome({ KITELAB_HOME: "/tmp/lab1" }) // "/tmp/lab1"
 */
export function resolveHome(env: ConfigEnv): string {
  const value = env.KITELAB_HOME;
  if (value === undefined || value.trim() === "") return join(userHomeOf(env), "kitelab");
  const trimmed = value.trim();
  if (trimmed === "~" || trimmed.startsWith("~/")) return join(userHomeOf(env), trimmed.slice(1));
  return resolve(trimmed);
}

/** `HOME/airflow.cfg` */
export function configPathIn(home: string): string {
  return join(resolve(home), CONFIG_FILE_NAME);
}

/**
 * Writes `home/airflow.cfg` from `defaultConfigText()` when it does not exist yet (creating
 * the home folder too), and never overwrites one that does, even one created at the same
 * moment by another process. The scheduler calls this on start.
 */
export function ensureConfigFile(home: string): { path: string; created: boolean } {
  const path = configPathIn(home);
  if (existsSync(path)) return { path, created: false };
  mkdirSync(resolve(home), { recursive: true });
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, defaultConfigText());
  try {
    // link() fails when the target exists, so a file written meanwhile by another process wins.
    linkSync(temporary, path);
    return { path, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return { path, created: false };
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}
