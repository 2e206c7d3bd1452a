/**
 * Notebook helpers: write DAG files into the dags folder, start or reach the running
 * scheduler, and show what it does as compact tables.
 */
export { configure, type ConfigSettings, type ConfigureOptions } from "./configFile.js";
export { copyDagFile, dagsFolder, linkDagFile, writeDagFile, type DagFolderOptions } from "./dagFiles.js";
export {
  connectScheduler,
  SchedulerClient,
  type BackfillOptions,
  type ConnectOptions,
  type StatusPageInfo,
  type TriggerOptions,
  type WaitForDagOptions,
  type WaitOptions,
} from "./client.js";
export {
  kitelabCli,
  kitelabCommand,
  startScheduler,
  type KitelabCliOptions,
  type KitelabCliResult,
  type StartSchedulerOptions,
} from "./schedulerProcess.js";
export { showFiles, showTable, type FileInfo } from "./tables.js";
export type { DagInfo, DagRunInfo, ImportErrorInfo, TaskInstanceInfo, TaskLog } from "./apiRecords.js";
export { check, type CheckOptions } from "./check.js";
