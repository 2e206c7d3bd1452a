import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { loadConfig, resolveHome } from "../config/index.js";
import { describeValue, ValidationError } from "../errors.js";
import { escapeHtml, show } from "./display.js";

/** Where the DAG file helpers look for the configuration. */
export interface DagFolderOptions {
  /** The Kitelab home whose airflow.cfg names the dags folder. @default $KITELAB_HOME, else ~/kitelab */
  home?: string;
  /** Print nothing (the path is still returned). @default false */
  quiet?: boolean;
}

/** Letters, digits, `_`, `-` and `.`, ending in `.ts` or `.mts` (added when missing). */
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * The configured dags folder (`[core] dags_folder` of the home's airflow.cfg, or its
 * KITELAB__CORE__DAGS_FOLDER override): the folder the scheduler scans.
 * @example dagsFolder() // "/home/you/kitelab/dags"
 */
export function dagsFolder(options: Pick<DagFolderOptions, "home"> = {}): string {
  const home = options.home ?? resolveHome(process.env);
  const loaded = loadConfig({ home, env: process.env });
  if (!loaded.ok) throw loaded.error;
  return loaded.value.core.dagsFolder;
}

/**
 * Writes a DAG's TypeScript source into the configured dags folder, atomically (a hidden
 * temporary file renamed into place), so the scheduler never reads half a file. Returns
 * the file's path. Run `await client.waitForDag(dagId)` next to see the scheduler list it.
 *
 * @param name The file name, such as `"hello.ts"` (`.ts` is added when it has no extension).
 * @param source The file's content: a module that imports from "kitelab" and defines DAGs.
 * @example
 * const file = await writeDagFile("hello.ts", `
 * import { DAG } from "kitelab";
 * export const dag = new DAG({ dagId: "hello", schedule: "@daily", startDate: "2024-01-01" });
 * dag.task("say_hello", async ({ log }) => log.info("hello"));
 * `);
 */
export async function writeDagFile(name: string, source: string, options: DagFolderOptions = {}): Promise<string> {
  const fileName = checkFileName(name);
  if (typeof source !== "string" || source.trim() === "") {
    throw new ValidationError(`Expected \`source\` to be the DAG file's TypeScript text, got ${describeValue(source)}`);
  }
  const folder = ensureFolder(options);
  const target = join(folder, fileName);
  const temporary = join(folder, `.${fileName}.${randomBytes(4).toString("hex")}.tmp`);
  writeFileSync(temporary, source.endsWith("\n") ? source : `${source}\n`);
  try {
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  announce(options, target, `wrote ${source.split("\n").length} lines`);
  return target;
}

/**
 * Copies a DAG file (a lab's, for example) into the configured dags folder, under the same
 * name, atomically. Returns the copy's path.
 *
 * A copy must stand on its own: a file that imports `../lib/...` or finds its data through
 * `import.meta.url` (`new URL("../data/x.csv", import.meta.url)`) would look for them beside
 * the copy. Use {@link linkDagFile} for such files.
 * @example await copyDagFile("../labs/lab1-first-dags/dags/lab1_hello.ts")
 */
export async function copyDagFile(path: string, options: DagFolderOptions = {}): Promise<string> {
  const source = resolve(checkSourcePath(path));
  const copied = await writeDagFile(basename(source), readFileSync(source, "utf8"), { ...options, quiet: true });
  announce(options, copied, `copied from ${source}`);
  return copied;
}

/**
 * Puts a DAG file into the configured dags folder as a symbolic link to the original, so
 * the file keeps finding what lies beside it (`../data`, `../lib`), and edits to the
 * original reach the scheduler. Replaces what was there under that name. Returns the
 * link's path.
 * @example await linkDagFile("../labs/lab4-database-master-dag/dags/lab4_penguins.ts")
 */
export async function linkDagFile(path: string, options: DagFolderOptions = {}): Promise<string> {
  const source = resolve(checkSourcePath(path));
  const fileName = checkFileName(basename(source));
  const folder = ensureFolder(options);
  const target = join(folder, fileName);
  if (resolve(target) === source)
    throw new ValidationError(`${source} is already in the dags folder ${folder}; there is nothing to link`);
  const temporary = join(folder, `.${fileName}.${randomBytes(4).toString("hex")}.link`);
  symlinkSync(source, temporary);
  try {
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  announce(options, target, `linked to ${source}`);
  return target;
}

function checkFileName(name: unknown): string {
  if (typeof name !== "string" || !FILE_NAME.test(name)) {
    throw new ValidationError(
      `Expected the DAG file name to be a plain file name such as "hello.ts" (letters, digits, "_", "-", "."; no folders), got ${describeValue(name)}`,
    );
  }
  if (/\.m?ts$/.test(name)) return name;
  if (/\.[A-Za-z0-9]+$/.test(name)) {
    throw new ValidationError(
      `DAG files are TypeScript: name the file "${name.replace(/\.[A-Za-z0-9]+$/, ".ts")}" instead of "${name}"`,
    );
  }
  return `${name}.ts`;
}

function checkSourcePath(path: unknown): string {
  if (typeof path !== "string" || path.trim() === "") {
    throw new ValidationError(`Expected the path of a DAG file, got ${describeValue(path)}`);
  }
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new ValidationError(
      `No DAG file at ${resolve(path)} (paths are taken from ${process.cwd()}, the notebook's folder)`,
    );
  }
  if (!isFile) throw new ValidationError(`${resolve(path)} is not a file; give the path of one DAG file (.ts)`);
  return path;
}

function ensureFolder(options: DagFolderOptions): string {
  const folder = dagsFolder(options);
  mkdirSync(folder, { recursive: true });
  return folder;
}

function announce(options: DagFolderOptions, target: string, what: string): void {
  if (options.quiet) return;
  show(
    `<div style="font-size:13px">DAG file <code>${escapeHtml(target)}</code>: ${escapeHtml(what)}</div>`,
    `DAG file ${target}: ${what}`,
  );
}
