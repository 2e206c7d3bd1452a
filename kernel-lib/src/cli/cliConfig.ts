import { homedir } from "node:os";
import { join } from "node:path";
import { EXAMPLES_FOLDER } from "./dagSource.js";

/** Folders where `kitelab dags test ID` looks for a DAG id: the dags folder, then the examples. */
export function dagLookupFolders(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.KITELAB_HOME ?? env.AIRFLOW_HOME ?? join(homedir(), "kitelab");
  return [join(home, "dags"), EXAMPLES_FOLDER];
}
