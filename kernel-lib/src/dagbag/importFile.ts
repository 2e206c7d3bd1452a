import { basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { DagDefinitionError, serializeError } from "../errors.js";
import { isDag, type DAG } from "../dag/dag.js";
import { dagsSince, registryMark } from "../dag/registry.js";
import { ensureTypeScriptLoader, isTypeScriptFile } from "../loader/typescript.js";
import { dagFileVersion } from "./localModules.js";

/** What importing one DAG file gave: its DAGs, or the error that stopped it. */
export type DagFileImport =
  | { ok: true; file: string; dags: DAG[]; warnings: string[] }
  | { ok: false; file: string; error: ImportProblem };

/** An import error as the CLI and status page show it. */
export interface ImportProblem {
  name: string;
  message: string;
  line?: number;
  stack?: string;
}

/**
 * Imports a TypeScript DAG file in this process and collects the DAGs it defined (exported
 * or not), validated. A changed file, or a file whose local modules changed, is imported
 * afresh with them: the module URL carries `dagFileVersion`, and the loader's resolve hook
 * (loader/resolveKitelab.mjs) hands that version on to every module the file imports by a
 * relative path. `version` is the one the caller already computed, if it did.
 * Runs user code: the scheduler calls it only inside an isolated child process.
 */
export async function importDagFile(path: string, version = dagFileVersion(resolve(path))): Promise<DagFileImport> {
  const file = resolve(path);
  if (version === undefined)
    return { ok: false, file, error: { name: "FileNotFound", message: `no such file: ${file}` } };
  if (isTypeScriptFile(file)) await ensureTypeScriptLoader();
  const mark = registryMark();
  try {
    const module = (await import(`${pathToFileURL(file).href}?v=${version}`)) as Record<string, unknown>;
    const defined = dagsSince(mark);
    for (const value of Object.values(module)) if (isDag(value) && !defined.includes(value)) defined.push(value);
    const seen = new Map<string, DAG>();
    for (const dag of defined) {
      const earlier = seen.get(dag.dagId);
      if (earlier && earlier !== dag) {
        throw new DagDefinitionError(
          `the DAG id '${dag.dagId}' is defined twice in this file; give each DAG its own id`,
          { file },
        );
      }
      seen.set(dag.dagId, dag);
      dag.validate();
    }
    const dags = [...seen.values()];
    const warnings = dags.flatMap((dag) => dag.warnings.map((warning) => `DAG '${dag.dagId}': ${warning}`));
    if (dags.length === 0) warnings.push(`${file} defines no DAG (create one with new DAG({ dagId: ... }))`);
    return { ok: true, file, dags, warnings };
  } catch (error) {
    return { ok: false, file, error: describeImportError(error, file) };
  }
}

/** Finds the line of the DAG file an import error points at, from esbuild's report or the stack. */
export function describeImportError(error: unknown, file: string): ImportProblem {
  const serialized = serializeError(error);
  const text = `${serialized.message}\n${serialized.stack ?? ""}`;
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`${escaped}(?:\\?v=[\\w.]+)?:(\\d+)(?::\\d+)?`).exec(text);
  const message = serialized.message.replace(/\?v=[\w.]+/g, "");
  const syntax = syntaxErrorOf(serialized.name, message, file);
  // esbuild's own frames would tell the student nothing: the stack is the message.
  if (syntax)
    return {
      name: "SyntaxError",
      message: syntax,
      line: match ? Number(match[1]) : undefined,
      stack: `SyntaxError: ${syntax}`,
    };
  return { name: serialized.name, message, line: match ? Number(match[1]) : undefined, stack: serialized.stack };
}

const TRANSFORM_FAILED = /^Transform failed with \d+ errors?:\n/;

/**
 * esbuild (through tsx) reports a syntax error as "Transform failed with 1 error:" and puts
 * what matters on the next line, which one-line views cut off. Returns that line as
 * `file.ts:4:79: Expected ")" but found ";"` (one line per error, columns from 1), or undefined for other errors.
 */
export function syntaxErrorOf(name: string, message: string, file: string): string | undefined {
  if (name !== "TransformError" || !TRANSFORM_FAILED.test(message)) return undefined;
  const lines = message
    .replace(TRANSFORM_FAILED, "")
    .split("\n")
    .filter((line) => line.trim() !== "")
    // esbuild counts columns from 0; editors and the student count from 1.
    .map((line) =>
      line.replace(
        /^(.*?):(\d+):(\d+): ERROR: /,
        (_all, where: string, row: string, column: string) =>
          `${where === file ? basename(file) : where}:${row}:${Number(column) + 1}: `,
      ),
    );
  return lines.length > 0 ? lines.join("\n") : undefined;
}
