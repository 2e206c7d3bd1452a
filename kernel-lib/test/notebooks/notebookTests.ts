// The tests every notebook under notebooks/ gets, one test file per notebook
// (test/notebooks.NN-name.test.ts) so that node's --test-concurrency runs two notebooks at once.
// Each notebook runs top to bottom in the real tslab kernel, and each cell shows what its
// `kitelab` metadata promises (see expectations.ts): once with every cell sent back to back as
// JupyterLab's Run All sends them, once with `jupyter nbconvert --execute`. Both run the labs
// as the course ships them, exercises as stubs; a lab with `solutions/` runs its notebook a
// third time, Run All, on a copy of the labs with the solutions copied in (see labCopy.ts).
// Every run has its own KITELAB_HOME and kernel, and the notebooks start their servers
// (scheduler, moto, Redis, APIs) on free loopback ports, so two files never share a thing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { checkExecutedNotebook, checkNotebookRun, type ExecutedNotebook } from "./expectations.js";
import { repoRoot, runNotebook } from "./runNotebook.js";
import { copyLabsWithSolutions, labWithSolutions } from "./labCopy.js";
import { runningScheduler } from "../../src/cli/schedulerClient.js";
import { isProcessAlive } from "../../src/util/processes.js";

export const notebooksDir = path.join(repoRoot, "notebooks");

/** The notebook a test file `notebooks.<name>.test.ts` runs: `<name>.ipynb`. */
export function notebookOfTestFile(testFile: string): string {
  const match = /^notebooks\.([^.]+)\.test\.ts$/.exec(path.basename(testFile));
  if (!match) throw new Error(`${testFile}: a notebook's test file is named notebooks.<notebook name>.test.ts`);
  return `${match[1]}.ipynb`;
}

/** Declares the tests of `notebooks/<name>`. */
export function notebookTests(name: string): void {
  const file = path.join(notebooksDir, name);

  test(`notebooks/${name} exists`, () => {
    assert.ok(existsSync(file), `no notebook ${file}: rename or delete its test file`);
  });

  test(`notebooks/${name} is saved without outputs`, async () => {
    const nb = JSON.parse(await readFile(file, "utf8")) as {
      cells: { cell_type: string; outputs?: unknown[]; execution_count?: number | null }[];
    };
    const withOutputs = nb.cells
      .map((cell, index) => ({ cell, index }))
      .filter(
        ({ cell }) =>
          cell.cell_type === "code" && ((cell.outputs?.length ?? 0) > 0 || (cell.execution_count ?? null) !== null),
      )
      .map(({ index }) => index);
    assert.deepEqual(
      withOutputs,
      [],
      `clear the outputs of cells ${withOutputs.join(", ")} before committing (Edit > Clear Outputs of All Cells)`,
    );
  });

  test(`notebooks/${name}: cells that teach an error are tagged raises-exception, so Run All goes past them`, async () => {
    const nb = JSON.parse(await readFile(file, "utf8")) as {
      cells: { metadata?: { tags?: string[]; kitelab?: { expectError?: string } } }[];
    };
    const untagged = nb.cells
      .map((cell, index) => ({ cell, index }))
      .filter(
        ({ cell }) =>
          cell.metadata?.kitelab?.expectError !== undefined && !(cell.metadata.tags ?? []).includes("raises-exception"),
      )
      .map(({ index }) => index);
    assert.deepEqual(
      untagged,
      [],
      `add the tag "raises-exception" to cells ${untagged.join(", ")} (JupyterLab's Run All stops at an untagged error)`,
    );
  });

  test(
    `notebooks/${name}: Run All (every cell sent at once) shows what every cell expects`,
    { timeout: 15 * 60_000 },
    async () => {
      const home = await mkdtemp(path.join(tmpdir(), "kitelab-notebook-home-"));
      let summary;
      try {
        summary = await runNotebook(file, { env: { KITELAB_HOME: home } });
      } finally {
        await stopSchedulerAndRemove(home);
      }
      const problems = checkNotebookRun(summary);
      assert.deepEqual(problems, [], `${name} (executed copy: ${summary.executed}):\n${problems.join("\n")}`);
      await removeRunOutput(summary.executed);
    },
  );

  const solvedLab = labWithSolutions(path.join(repoRoot, "labs"), name);
  if (solvedLab) {
    test(
      `notebooks/${name}: with the solutions of ${path.basename(solvedLab)} copied in, Run All shows what every cell expects`,
      { timeout: 15 * 60_000 },
      async () => {
        const home = await mkdtemp(path.join(tmpdir(), "kitelab-notebook-home-"));
        const copy = await copyLabsWithSolutions(repoRoot, solvedLab);
        let summary;
        try {
          summary = await runNotebook(file, { cwd: copy.notebooksDir, env: { KITELAB_HOME: home } });
        } finally {
          await stopSchedulerAndRemove(home);
        }
        const problems = checkNotebookRun(summary, "solutions");
        assert.deepEqual(
          problems,
          [],
          `${name} with solutions (executed copy: ${summary.executed}):\n${problems.join("\n")}`,
        );
        await copy.remove();
        await removeRunOutput(summary.executed);
      },
    );
  }

  test(`notebooks/${name}: \`jupyter nbconvert --execute\` runs every cell`, { timeout: 15 * 60_000 }, async () => {
    const home = await mkdtemp(path.join(tmpdir(), "kitelab-notebook-home-"));
    const out = await mkdtemp(path.join(tmpdir(), "kitelab-nbconvert-"));
    let result;
    try {
      result = await nbconvertExecute(file, out, { KITELAB_HOME: home });
    } finally {
      await stopSchedulerAndRemove(home);
    }
    assert.equal(result.code, 0, `jupyter nbconvert --execute ${name} failed:\n${result.stderr.slice(-4000)}`);
    const executed = path.join(out, name);
    const problems = checkExecutedNotebook(JSON.parse(await readFile(executed, "utf8")) as ExecutedNotebook);
    assert.deepEqual(problems, [], `${name} (executed copy: ${executed}):\n${problems.join("\n")}`);
    await rm(out, { recursive: true, force: true });
  });
}

/** Removes the folder run_notebook.py wrote the executed copy to, once the run passed. */
async function removeRunOutput(executed: string): Promise<void> {
  const folder = path.dirname(executed);
  if (path.basename(folder).startsWith("kitelab-notebook-run-")) await rm(folder, { recursive: true, force: true });
}

/**
 * Stops the scheduler a notebook left running (one that failed before its last cell), waits
 * for it to end, then removes the Kitelab home the run used.
 */
async function stopSchedulerAndRemove(home: string): Promise<void> {
  const left = runningScheduler(home);
  if (left) {
    try {
      process.kill(left.pid, "SIGTERM");
    } catch {
      // Already gone.
    }
    const deadline = Date.now() + 20_000;
    while (isProcessAlive(left.pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await rm(home, { recursive: true, force: true });
}

/** Runs the repository's `.venv/bin/jupyter nbconvert --execute`, as a student or CI would. */
function nbconvertExecute(
  file: string,
  outDir: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  const jupyter = path.join(repoRoot, ".venv", "bin", "jupyter");
  const args = [
    "nbconvert",
    "--to",
    "notebook",
    "--execute",
    "--ExecutePreprocessor.timeout=300",
    "--output-dir",
    outDir,
    file,
  ];
  return new Promise((resolve) => {
    execFile(
      jupyter,
      args,
      { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stderr });
      },
    );
  });
}

/**
 * A student who runs the lab's notebook on the stubs, then fixes the lab (its `solutions/`
 * saved over it) and goes on from the `exercise`-th cell tagged `exercise`: the cells before it
 * must show what the stubs run expects, that cell and the ones after what the solutions run
 * expects (lab 5: the backfill's failed tasks cleared and run again with the fixed file).
 */
export function fixMidwayTest(name: string, exercise: number): void {
  const file = path.join(notebooksDir, name);
  const lab = labWithSolutions(path.join(repoRoot, "labs"), name);
  test(
    `notebooks/${name}: Run All on the stubs, then the solutions saved and Run All from exercise ${exercise} on, shows what every cell expects`,
    { timeout: 15 * 60_000 },
    async () => {
      assert.ok(lab, `${name} has no lab with solutions/`);
      const nb = JSON.parse(await readFile(file, "utf8")) as { cells: { metadata?: { tags?: string[] } }[] };
      const exerciseCells = nb.cells
        .map((cell, index) => ({ cell, index }))
        .filter(({ cell }) => (cell.metadata?.tags ?? []).includes("exercise"))
        .map(({ index }) => index);
      const fixedAt = exerciseCells[exercise - 1];
      assert.ok(fixedAt !== undefined, `${name} has ${exerciseCells.length} exercise cell(s), not ${exercise}`);
      const home = await mkdtemp(path.join(tmpdir(), "kitelab-notebook-home-"));
      const copy = await copyLabsWithSolutions(repoRoot, lab, { applySolutions: false });
      let summary;
      try {
        summary = await runNotebook(file, {
          cwd: copy.notebooksDir,
          env: { KITELAB_HOME: home },
          copyBefore: { cell: fixedAt, from: path.join(copy.lab, "solutions"), to: copy.lab },
        });
      } finally {
        await stopSchedulerAndRemove(home);
      }
      const problems = checkNotebookRun(summary, (index) => (index < fixedAt ? "stubs" : "solutions"));
      assert.deepEqual(
        problems,
        [],
        `${name}, fixed before cell ${fixedAt} (executed copy: ${summary.executed}):\n${problems.join("\n")}`,
      );
      await copy.remove();
      await removeRunOutput(summary.executed);
    },
  );
}
