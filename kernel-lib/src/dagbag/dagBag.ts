import type { SerializedDag } from "../dag/serialize.js";
import type { ImportProblem } from "./importFile.js";
import type { ParseResult } from "./parseProtocol.js";

/** Every known DAG file's latest parse, and what follows from all of them together. */
export interface DagBagView {
  dags: Map<string, SerializedDag>;
  importErrors: Map<string, ImportProblem>;
  warnings: Map<string, string[]>;
}

/**
 * Combines per-file parse results into the active DAGs and import errors. A DAG id defined
 * in two files is an import error on both, naming both, and neither copy is active: no
 * silent winner.
 */
export function combineParses(parses: ReadonlyMap<string, ParseResult>): DagBagView {
  const owners = new Map<string, string[]>();
  const importErrors = new Map<string, ImportProblem>();
  const warnings = new Map<string, string[]>();
  for (const [file, result] of parses) {
    if (!result.ok) {
      importErrors.set(file, result.error);
      continue;
    }
    if (result.warnings.length > 0) warnings.set(file, result.warnings);
    for (const dag of result.dags) owners.set(dag.dagId, [...(owners.get(dag.dagId) ?? []), file]);
  }
  const dags = new Map<string, SerializedDag>();
  for (const [file, result] of [...parses].sort(([a], [b]) => a.localeCompare(b))) {
    if (!result.ok) continue;
    for (const dag of result.dags) {
      const files = owners.get(dag.dagId)!;
      if (files.length > 1) {
        const others = files.filter((other) => other !== file);
        importErrors.set(file, {
          name: "DuplicateDagId",
          message: `DAG id '${dag.dagId}' is also defined in ${others.join(", ")}; both copies are ignored until one is renamed`,
        });
        continue;
      }
      dags.set(dag.dagId, dag);
    }
  }
  return { dags, importErrors, warnings };
}
