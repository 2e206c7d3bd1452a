import { join, relative, resolve, sep } from "node:path";

/** `{base_log_folder}/dag_id=D/run_id=R/task_id=T/attempt=N.log`, as Airflow lays logs out. */
export function taskLogPath(
  baseLogFolder: string,
  dagId: string,
  runId: string,
  taskId: string,
  tryNumber: number,
): string {
  return join(baseLogFolder, `dag_id=${dagId}`, `run_id=${runId}`, `task_id=${taskId}`, `attempt=${tryNumber}.log`);
}

/** True when `path` is inside `folder` (no `..` escape), for anything that serves log files. */
export function isInside(folder: string, path: string): boolean {
  const relation = relative(resolve(folder), resolve(path));
  return relation !== "" && !relation.startsWith(`..${sep}`) && relation !== ".." && !relation.startsWith(sep);
}
