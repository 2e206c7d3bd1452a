import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";

const extensionDir = path.resolve(__dirname, "..", "..");
const python = path.resolve(extensionDir, "..", ".venv", "bin", "python");

describe("the Python side (extension/test/python, unittest in .venv)", () => {
  it(
    "passes its unittest suite",
    { skip: fs.existsSync(python) ? false : `no ${python}: run \`npm run setup\`` },
    () => {
      // PYTHONPATH puts extension/ before site-packages: the sources are tested, not the installed copy.
      const result = spawnSync(python, ["-m", "unittest", "discover", "-s", "test/python"], {
        cwd: extensionDir,
        env: { ...process.env, PYTHONPATH: extensionDir },
        encoding: "utf8",
      });
      assert.equal(result.status, 0, `python -m unittest failed:\n${result.stderr}${result.stdout}`);
      assert.match(result.stderr, /Ran [1-9]\d* tests/);
    },
  );

  it("has the same version as the npm package", () => {
    const npmVersion = JSON.parse(fs.readFileSync(path.join(extensionDir, "package.json"), "utf8")).version;
    const pyproject = fs.readFileSync(path.join(extensionDir, "pyproject.toml"), "utf8");
    const init = fs.readFileSync(path.join(extensionDir, "kitelab_jupyterlab", "__init__.py"), "utf8");
    assert.match(pyproject, new RegExp(`^version = "${npmVersion.replace(/\./g, "\\.")}"$`, "m"));
    assert.match(init, new RegExp(`^__version__ = "${npmVersion.replace(/\./g, "\\.")}"$`, "m"));
  });
});
