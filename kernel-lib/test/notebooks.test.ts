// Every notebook under notebooks/ runs top to bottom in the real tslab kernel, and each cell
// shows what its `kitelab` metadata promises (see test/notebooks/expectations.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { checkNotebookRun } from "./notebooks/expectations.js";
import { repoRoot, runNotebook } from "./notebooks/runNotebook.js";
import { runningScheduler } from "../src/cli/schedulerClient.js";

const notebooksDir = path.join(repoRoot, "notebooks");
const notebooks = (await readdir(notebooksDir)).filter((name) => name.endsWith(".ipynb")).sort();

test("notebooks/ holds at least one notebook", () => {
  assert.ok(notebooks.length > 0, `no .ipynb files in ${notebooksDir}`);
});

for (const name of notebooks) {
  const file = path.join(notebooksDir, name);

  test(`notebooks/${name} is saved without outputs`, async () => {
    const nb = JSON.parse(await readFile(file, "utf8")) as { cells: { cell_type: string; outputs?: unknown[]; execution_count?: number | null }[] };
    const withOutputs = nb.cells
      .map((cell, index) => ({ cell, index }))
      .filter(({ cell }) => cell.cell_type === "code" && ((cell.outputs?.length ?? 0) > 0 || (cell.execution_count ?? null) !== null))
      .map(({ index }) => index);
    assert.deepEqual(withOutputs, [], `clear the outputs of cells ${withOutputs.join(", ")} before committing (Edit > Clear Outputs of All Cells)`);
  });

  test(`notebooks/${name}: cells that teach an error are tagged raises-exception, so Run All goes past them`, async () => {
    const nb = JSON.parse(await readFile(file, "utf8")) as { cells: { metadata?: { tags?: string[]; kitelab?: { expectError?: string } } }[] };
    const untagged = nb.cells
      .map((cell, index) => ({ cell, index }))
      .filter(({ cell }) => cell.metadata?.kitelab?.expectError !== undefined && !(cell.metadata.tags ?? []).includes("raises-exception"))
      .map(({ index }) => index);
    assert.deepEqual(untagged, [], `add the tag "raises-exception" to cells ${untagged.join(", ")} (JupyterLab's Run All stops at an untagged error)`);
  });

  test(`notebooks/${name} runs top to bottom in the tslab kernel as its cells expect`, { timeout: 15 * 60_000 }, async () => {
    const home = await mkdtemp(path.join(tmpdir(), "kitelab-notebook-home-"));
    let summary;
    try {
      summary = await runNotebook(file, { env: { KITELAB_HOME: home } });
    } finally {
      // A notebook that failed before its last cell leaves the scheduler it started running.
      const left = runningScheduler(home);
      if (left) process.kill(left.pid, "SIGTERM");
    }
    const problems = checkNotebookRun(summary);
    assert.deepEqual(problems, [], `${name} (executed copy: ${summary.executed}):\n${problems.join("\n")}`);
  });
}
