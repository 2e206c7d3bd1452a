import { existsSync } from "node:fs";
import { loadConfig } from "../config/loadConfig.js";
import { openStoreReader } from "../persistence/index.js";
import type { ConnectionRecord } from "../records.js";

/**
 * A connection from the store of the configured Kitelab home, for code that runs outside a task
 * (a notebook cell, a script): what `kitelab connections add` wrote. Undefined when the home has
 * no store or no such connection; a broken config is left for the scheduler to report.
 */
export function connectionFromStore(
  connId: string,
  env: NodeJS.ProcessEnv = process.env,
): ConnectionRecord | undefined {
  const loaded = loadConfig({ env });
  if (!loaded.ok || !existsSync(loaded.value.database.storePath)) return undefined;
  return openStoreReader(loaded.value).connections()[connId];
}
