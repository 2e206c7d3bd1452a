/**
 * Runs a notebook through run_notebook.py with the repository's `.venv` Python and the tslab
 * kernel, and returns the run's summary. Used by notebookTests.ts; lab tests can reuse it.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { NotebookRunSummary } from "./expectations.js";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, "..", "..", "..");
export const venvPython = path.join(repoRoot, ".venv", "bin", "python");
const harness = path.join(here, "run_notebook.py");

export interface RunNotebookOptions {
  /** Seconds each cell (and the kernel's start) may take. @default 120 */
  cellTimeoutSeconds?: number;
  /** The kernel's working folder. @default the notebook's folder, as in JupyterLab */
  cwd?: string;
  /** Extra environment for the kernel, e.g. `KITELAB_HOME`. */
  env?: Record<string, string>;
  /**
   * A student fixing a file midway: the cells before `cell` run (Run All) to the end, the folder
   * `from` is copied over `to`, then the cells from `cell` on run (Run All).
   */
  copyBefore?: { cell: number; from: string; to: string };
}

/** Executes `notebookPath` top to bottom; rejects only when the harness itself could not run. */
export async function runNotebook(notebookPath: string, options: RunNotebookOptions = {}): Promise<NotebookRunSummary> {
  if (!existsSync(venvPython)) {
    throw new Error(
      `No Python venv at ${path.dirname(path.dirname(venvPython))}: run \`npm run setup\` (it creates .venv with JupyterLab and the tslab kernel).`,
    );
  }
  const out = await mkdtemp(path.join(tmpdir(), "kitelab-notebook-run-"));
  const args = [harness, notebookPath, "--out", out];
  if (options.cellTimeoutSeconds !== undefined) args.push("--timeout", String(options.cellTimeoutSeconds));
  if (options.cwd !== undefined) args.push("--cwd", options.cwd);
  if (options.copyBefore !== undefined)
    args.push("--copy-before", String(options.copyBefore.cell), options.copyBefore.from, options.copyBefore.to);
  const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number | null }>(
    (resolve) => {
      execFile(
        venvPython,
        args,
        { env: { ...process.env, ...options.env }, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => {
          resolve({ stdout, stderr, code: error ? (typeof error.code === "number" ? error.code : null) : 0 });
        },
      );
    },
  );
  if (code !== 0) {
    throw new Error(`run_notebook.py failed on ${notebookPath} (exit ${code}):\n${stderr.slice(-4000)}`);
  }
  try {
    return JSON.parse(stdout) as NotebookRunSummary;
  } catch {
    throw new Error(
      `run_notebook.py printed no JSON summary for ${notebookPath}:\n${stdout.slice(0, 2000)}\n${stderr.slice(-2000)}`,
    );
  }
}
