import { loadConfig, type KitelabConfig } from "../config/index.js";
import { dagFoldersOf, useConfiguredTaskDefaults } from "../scheduler/settings.js";
import { EXAMPLES_FOLDER } from "../dagbag/listFiles.js";
import { CliError } from "./output.js";

/** The configuration for a CLI command: `--config PATH` or `$KITELAB_HOME/airflow.cfg`, with env overrides. */
export function cliConfig(configPath?: string): KitelabConfig {
  const loaded = loadConfig({ path: configPath ?? process.env.KITELAB_CONFIG });
  if (!loaded.ok) throw new CliError(loaded.error.message);
  return loaded.value;
}

/** Folders where `kitelab dags test ID` looks for a DAG id: the dags folder, then the examples. */
export function dagLookupFolders(configPath?: string): string[] {
  const config = cliConfig(configPath);
  // DAG files about to be imported get airflow.cfg's task defaults (default_task_retries...).
  useConfiguredTaskDefaults(config);
  const folders = dagFoldersOf(config);
  return folders.includes(EXAMPLES_FOLDER) ? folders : [...folders, EXAMPLES_FOLDER];
}
