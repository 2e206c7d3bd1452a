import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { listDagFiles } from "../dagbag/listFiles.js";
export { EXAMPLES_FOLDER } from "../dagbag/listFiles.js";
import type { DAG } from "../dag/dag.js";
import { importDagFile } from "../dagbag/importFile.js";
import { CliError } from "./output.js";
import { closestMatch } from "../util/editDistance.js";

/**
 * Loads the DAG named by a file path or a DAG id. A file must define exactly one DAG
 * unless `dagId` picks one; an id is looked up in the given folders.
 */
export async function loadDagForCli(fileOrId: string, folders: readonly string[], dagId?: string): Promise<DAG> {
  const asPath = resolve(fileOrId);
  if (existsSync(asPath) && statSync(asPath).isFile()) {
    const imported = await importDagFile(asPath);
    if (!imported.ok) {
      throw new CliError(
        `cannot import ${imported.file}${imported.error.line ? `:${imported.error.line}` : ""}: ${imported.error.message}`,
      );
    }
    for (const warning of imported.warnings) process.stderr.write(`warning: ${warning}\n`);
    if (dagId) {
      const dag = imported.dags.find((candidate) => candidate.dagId === dagId);
      if (!dag)
        throw new CliError(
          `${asPath} defines no DAG '${dagId}'; it defines ${imported.dags.map((d) => d.dagId).join(", ")}`,
        );
      return dag;
    }
    if (imported.dags.length !== 1) {
      throw new CliError(
        `${asPath} defines ${imported.dags.length} DAGs (${imported.dags.map((d) => d.dagId).join(", ")}); name one with --dag-id`,
      );
    }
    return imported.dags[0]!;
  }
  const wanted = dagId ?? fileOrId;
  const seen: string[] = [];
  for (const folder of folders) {
    for (const file of listDagFiles(folder)) {
      const imported = await importDagFile(file);
      if (!imported.ok) continue;
      const dag = imported.dags.find((candidate) => candidate.dagId === wanted);
      if (dag) {
        for (const warning of imported.warnings) process.stderr.write(`warning: ${warning}\n`);
        return dag;
      }
      seen.push(...imported.dags.map((candidate) => candidate.dagId));
    }
  }
  throw new CliError(
    `"${fileOrId}" is neither a DAG file nor the id of a DAG in ${folders.join(", ") || "(no folders)"}.${didYouMean(fileOrId, seen)}${seen.length > 0 ? ` Known DAG ids: ${seen.join(", ")}` : ""}`,
  );
}

function didYouMean(name: string, known: readonly string[]): string {
  const close = closestMatch(name, known);
  return close ? ` Did you mean "${close}"?` : "";
}
