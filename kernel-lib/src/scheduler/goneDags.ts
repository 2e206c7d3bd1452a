import { existsSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import type { SerializedDag } from "../dag/serialize.js";
import type { DagStatus } from "./schedulerStore.js";

/**
 * The active DAGs that can still be listed without parsing anything: their file still
 * exists inside one of the DAG folders. The others (the example DAGs once `load_examples`
 * is off, a deleted file, a dags_folder that moved) are gone at start-up, before the first
 * scan of the folders says so, which can take as long as the slowest DAG file's import.
 */
export function stillListedDagIds(
  statuses: readonly DagStatus[],
  dagOf: (dagId: string) => SerializedDag | undefined,
  folders: readonly string[],
  fileExists: (path: string) => boolean = existsSync,
): Set<string> {
  const inAFolder = (file: string) =>
    folders.some((folder) => {
      const path = relative(folder, file);
      return path !== "" && !path.startsWith("..") && !isAbsolute(path);
    });
  const listed = new Set<string>();
  for (const status of statuses) {
    if (!status.isActive) continue;
    const file = dagOf(status.dagId)?.fileloc;
    if (file === undefined || (inAFolder(file) && fileExists(file))) listed.add(status.dagId);
  }
  return listed;
}
