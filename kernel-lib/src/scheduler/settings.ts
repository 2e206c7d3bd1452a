import { EXAMPLES_FOLDER } from "../dagbag/listFiles.js";
import type { KitelabConfig } from "../config/index.js";
import { setConfiguredTaskDefaults, TASK_DEFAULTS_ENV, type ConfiguredTaskDefaults } from "../dag/taskOptions.js";

/** What the scheduler needs from `airflow.cfg`, already parsed. Durations in milliseconds. */
export interface SchedulerSettings {
  dagFolders: string[];
  listIntervalMs: number;
  importTimeoutMs: number;
  /** DAG files parsed at once. @default 0: one per core, at least 2 */
  parsingProcesses?: number;
  /** MB one DAG-parsing process may hold. @default no cap */
  parsingMemoryLimitMb?: number;
  parallelism: number;
  maxActiveTasksPerDag: number;
  maxActiveRunsPerDag: number;
  catchupByDefault: boolean;
  pausedAtCreation: boolean;
  heartbeatMs: number;
  semantics: "airflow2" | "airflow3";
  baseLogFolder: string;
  xcomMaxBytes: number;
}

/** The folders the DAG processor scans: `dags_folder`, plus the examples when `load_examples`. */
export function dagFoldersOf(config: KitelabConfig): string[] {
  return config.core.loadExamples ? [config.core.dagsFolder, EXAMPLES_FOLDER] : [config.core.dagsFolder];
}

/** Maps airflow.cfg onto what the scheduler needs (seconds become milliseconds). */
export function schedulerSettingsOf(config: KitelabConfig): SchedulerSettings {
  return {
    dagFolders: dagFoldersOf(config),
    listIntervalMs: config.scheduler.dagDirListInterval * 1000,
    importTimeoutMs: config.core.dagbagImportTimeout * 1000,
    parsingProcesses: config.scheduler.parsingProcesses,
    parsingMemoryLimitMb: config.core.dagParsingMemoryLimitMb,
    parallelism: config.core.executor === "SequentialExecutor" ? 1 : config.core.parallelism,
    maxActiveTasksPerDag: config.core.maxActiveTasksPerDag,
    maxActiveRunsPerDag: config.core.maxActiveRunsPerDag,
    catchupByDefault: config.scheduler.catchupByDefault,
    pausedAtCreation: config.core.dagsArePausedAtCreation,
    heartbeatMs: config.scheduler.schedulerHeartbeatSec * 1000,
    semantics: config.scheduler.createCronDataIntervals ? "airflow2" : "airflow3",
    baseLogFolder: config.logging.baseLogFolder,
    xcomMaxBytes: config.core.xcomMaxSizeBytes,
  };
}

/**
 * Applies `[core] default_task_retries` and `[email] default_email_on_*` to tasks defined in
 * this process and, through the environment, in the child processes it starts.
 */
export function useConfiguredTaskDefaults(config: KitelabConfig): void {
  const defaults: ConfiguredTaskDefaults = {
    retries: config.core.defaultTaskRetries,
    emailOnFailure: config.email.defaultEmailOnFailure,
    emailOnRetry: config.email.defaultEmailOnRetry,
  };
  setConfiguredTaskDefaults(defaults);
  process.env[TASK_DEFAULTS_ENV] = JSON.stringify(defaults);
}
