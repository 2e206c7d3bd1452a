// Each notebook under notebooks/ has its own test file, notebooks.<notebook name>.test.ts
// (test/notebooks/notebookTests.ts declares its tests), so two notebooks run at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { notebookOfTestFile, notebooksDir } from "./notebooks/notebookTests.js";

const testDir = path.dirname(fileURLToPath(import.meta.url));

test("notebooks/ holds at least one notebook", async () => {
  const notebooks = (await readdir(notebooksDir)).filter((name) => name.endsWith(".ipynb"));
  assert.ok(notebooks.length > 0, `no .ipynb files in ${notebooksDir}`);
});

test("every notebook has its test file, and every notebook test file its notebook", async () => {
  const notebooks = (await readdir(notebooksDir)).filter((name) => name.endsWith(".ipynb")).sort();
  const tested = (await readdir(testDir))
    .filter((name) => /^notebooks\.[^.]+\.test\.ts$/.test(name))
    .map(notebookOfTestFile)
    .sort();
  const untested = notebooks.filter((name) => !tested.includes(name));
  assert.deepEqual(
    untested,
    [],
    `add test/notebooks.<name>.test.ts for ${untested.join(", ")}: \`import { notebookTests } from "./notebooks/notebookTests.js"; notebookTests("<name>.ipynb");\``,
  );
  assert.deepEqual(
    tested.filter((name) => !notebooks.includes(name)),
    [],
    "a notebook test file names no notebook",
  );
});
