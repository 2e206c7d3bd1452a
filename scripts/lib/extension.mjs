// The JupyterLab extension in extension/ (kitelab-jupyterlab): its own npm packages, its build
// (tsc, then the prebuilt labextension) and its pip install into .venv, each skipped when its inputs
// have not changed since it last succeeded.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { paths } from "./paths.mjs";
import { hashInputs, readStamp, writeStamp } from "./stamp.mjs";
import { step, run, capture, SetupError } from "./log.mjs";

const NAME = "jupyterlab extension";
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

// Build output and caches inside extension/ that must not count as a change of its sources.
const BUILD_OUTPUT = [
  path.join(paths.extension, "node_modules"),
  path.join(paths.extension, "lib"),
  path.join(paths.extension, "kitelab_jupyterlab", "labextension"),
  path.join(paths.extension, "test"),
];
const ignoreBuildOutput = (file) =>
  BUILD_OUTPUT.some((dir) => file.startsWith(dir + path.sep)) ||
  file.includes(`${path.sep}__pycache__${path.sep}`) ||
  file.endsWith(".tsbuildinfo");

/** extension/node_modules, from extension/package-lock.json (not a root workspace: its tree is JupyterLab's). */
export function extensionPackages() {
  const inputs = [path.join(paths.extension, "package.json"), path.join(paths.extension, "package-lock.json")];
  const hash = hashInputs(inputs);
  const present = fs.existsSync(paths.extensionNodeModules);
  if (present && readStamp(paths.extensionNpmStamp) === hash) {
    step(NAME, "extension/node_modules up to date");
    return;
  }
  step(NAME, `${present ? "extension package files changed" : "extension/node_modules missing"}: npm install in extension/`);
  // Not `npm ci`: npm leaves rspack's other-platform optional bindings out of the lock file and ci
  // then refuses it; install follows the lock all the same. --ignore-scripts: nothing here needs one.
  const status = run(npm, ["install", "--include=dev", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: paths.extension });
  if (status !== 0) throw new SetupError(`npm install in extension/ failed (exit ${status}); fix the error above and run \`npm run setup\` again.`);
  writeStamp(paths.extensionNpmStamp, hash);
}

/** Builds the labextension and pip-installs extension/ into .venv when its sources changed. */
export function installExtension() {
  const hash = hashInputs([paths.extension], { ignore: ignoreBuildOutput });
  const installed = fs.existsSync(paths.extensionShared) && fs.existsSync(paths.extensionServerConfig);
  if (installed && readStamp(paths.extensionStamp) === hash) {
    step(NAME, "kitelab-jupyterlab installed in .venv, up to date");
    return;
  }
  step(NAME, "sources changed: building the labextension and installing kitelab-jupyterlab into .venv");
  const env = { ...process.env, PATH: `${paths.venvBin}${path.delimiter}${process.env.PATH ?? ""}` };
  const built = run(npm, ["run", "build:prod", "--silent"], { cwd: paths.extension, env });
  if (built !== 0) throw new SetupError(`building extension/ failed (exit ${built}); \`cd extension && npm run build\` shows why.`);
  const pip = run(paths.venvPython, [
    "-m", "pip", "install", "--disable-pip-version-check", "-q",
    "--no-build-isolation", "--no-deps", "--force-reinstall", paths.extension,
  ]);
  if (pip !== 0) throw new SetupError(`pip install ./extension failed (exit ${pip}); fix the error above and run \`npm run setup\` again.`);
  verifyInstalled();
  writeStamp(paths.extensionStamp, hash);
}

/** stdout and stderr together, colours removed (Jupyter's list commands write to both). */
function allOutput(command, args) {
  const result = spawnSync(command, args, { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return `${result.stdout ?? ""}${result.stderr ?? ""}`.replace(/\u001b\[[0-9;]*m/g, "");
}

/** What `jupyter labextension list` and the server extension list say, and the proxy's entry point. */
function verifyInstalled() {
  const lab = allOutput(paths.venvJupyter, ["labextension", "list"]);
  const labLine = lab.split("\n").find((line) => line.includes("kitelab-jupyterlab")) ?? "";
  const server = allOutput(paths.venvJupyter, ["server", "extension", "list"]);
  const proxy = capture(paths.venvPython, [
    "-c",
    "from importlib.metadata import entry_points; print(','.join(e.name for e in entry_points(group='jupyter_serverproxy_servers')))",
  ]);
  const problems = [];
  if (!/enabled/.test(labLine) || !/OK/.test(labLine)) problems.push("`jupyter labextension list` does not show kitelab-jupyterlab enabled and OK");
  if (!/kitelab_jupyterlab\S* enabled/.test(server)) problems.push("`jupyter server extension list` does not list kitelab_jupyterlab");
  if (!(proxy ?? "").split(",").map((s) => s.trim()).includes("kitelab")) problems.push("jupyter-server-proxy has no `kitelab` server entry point");
  if (problems.length > 0) throw new SetupError(`kitelab-jupyterlab was installed but ${problems.join("; ")}.`);
  step(NAME, `installed: ${labLine.trim()}; server extension enabled; server-proxy server \`kitelab\` registered`);
}

