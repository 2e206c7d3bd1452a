// The kitelab-jupyterlab Python package's unit tests (extension/test/python: the proxy command,
// the token headers, the server-proxy entry point), run with the repository's .venv Python.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const python = path.join(repo, ".venv", "bin", "python");

test(
  "the extension's Python unit tests pass (python -m unittest in .venv)",
  { skip: existsSync(python) ? false : `no ${python}: run \`npm run setup\`` },
  () => {
    const run = spawnSync(python, ["-m", "unittest", "discover", "-s", path.join("test", "python"), "-v"], {
      cwd: path.join(repo, "extension"),
      encoding: "utf8",
    });
    const output = `${run.stdout}${run.stderr}`;
    assert.equal(run.status, 0, output);
    const ran = Number(/^Ran (\d+) tests?/m.exec(output)?.[1] ?? 0);
    assert.ok(ran >= 10, `expected the extension's Python tests to run, got:\n${output}`);
  },
);
