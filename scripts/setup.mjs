#!/usr/bin/env node
// Brings a checkout to "ready": npm packages, kitelab built for the kernel, a Python venv with
// JupyterLab, the tslab kernelspec and the kitelab-jupyterlab extension inside that venv, and
// Debian's chromium, postgresql, mariadb-server and redis-server for the browser, database and
// BullMQ executor tests.
// Every step compares a stamp or the file it would write and does nothing when already done.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { paths, repoRoot, inRepo } from "./lib/paths.mjs";
import { hashInputs, readStamp, writeStamp } from "./lib/stamp.mjs";
import { step, warn, run, capture, SetupError } from "./lib/log.mjs";
import { findPython, PYTHON_INSTALL_HINT } from "./lib/python.mjs";
import { kernelJson, kitelabShim } from "./lib/kernelspec.mjs";
import { extensionPackages, installExtension } from "./lib/extension.mjs";

const MIN_NODE_MAJOR = 20;

function checkNode() {
  const major = Number(process.versions.node.split(".")[0]);
  if (major < MIN_NODE_MAJOR) {
    throw new SetupError(
      `Kitelab needs Node.js ${MIN_NODE_MAJOR} or newer; this is ${process.version}.\n` +
        `  Install Node.js 20 LTS (or newer), e.g. \`nvm install 20 && nvm use 20\`,\n` +
        `  or on Debian/Ubuntu your distribution's nodejs package if it is 20+; then run \`npm run setup\` again.`,
    );
  }
  step("node", `${process.version} ok`);
}

function npmPackages() {
  const name = "npm packages";
  const inputs = [
    inRepo("package-lock.json"),
    inRepo("package.json"),
    inRepo("kernel-lib", "package.json"),
    inRepo("labs", "package.json"),
  ];
  const hash = hashInputs(inputs);
  const hasNodeModules = fs.existsSync(paths.nodeModules);
  if (hasNodeModules && readStamp(paths.npmStamp) === hash) {
    step(name, "up to date");
    return;
  }
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  // npm ci on a fresh clone; npm install keeps an existing tree in place and only adds what changed.
  const args = hasNodeModules ? ["install"] : ["ci"];
  step(name, `${hasNodeModules ? "package files changed" : "node_modules missing"}: running npm ${args[0]}`);
  const status = run(npm, [...args, "--include=dev", "--no-audit", "--no-fund"], { cwd: repoRoot });
  if (status !== 0)
    throw new SetupError(
      `npm ${args[0]} failed (exit ${status}); fix the error above and run \`npm run setup\` again.`,
    );
  writeStamp(paths.npmStamp, hash);
}

function buildLibrary() {
  const name = "kitelab build";
  const inputs = [paths.libSrc, paths.buildTsconfig, inRepo("tsconfig.json"), inRepo("kernel-lib", "package.json")];
  const hash = hashInputs(inputs);
  if (readStamp(paths.buildStamp) === hash && fs.existsSync(path.join(paths.libDist, "index.js"))) {
    step(name, "kernel-lib/dist up to date");
    return;
  }
  step(name, "sources changed: compiling kernel-lib/src to kernel-lib/dist (for the notebook kernel)");
  fs.rmSync(paths.libDist, { recursive: true, force: true });
  const status = run(process.execPath, [paths.tsc, "-p", paths.buildTsconfig], { cwd: repoRoot });
  if (status !== 0) {
    warn(
      name,
      `tsc reported type errors (exit ${status}); JavaScript was still emitted. \`npm run typecheck\` shows them.`,
    );
  }
  if (!fs.existsSync(path.join(paths.libDist, "index.js"))) {
    warn(
      name,
      "kernel-lib/dist/index.js was not produced (is kernel-lib/src/index.ts there?): notebooks cannot import kitelab yet.",
    );
    return;
  }
  writeStamp(paths.buildStamp, hash);
}

function venvPythonWorks() {
  return fs.existsSync(paths.venvPython) && capture(paths.venvPython, ["-c", "import sys"]) !== null;
}

/** Returns true when the venv is ready; false (with instructions printed) when Python is missing. */
function pythonVenv() {
  const name = "python venv";
  const hash = hashInputs([paths.requirements, paths.airflow3ClientRequirements]);
  if (readStamp(paths.venvStamp) === hash && venvPythonWorks()) {
    step(name, ".venv up to date");
    return true;
  }
  if (!venvPythonWorks()) {
    const python = findPython();
    if (python.command === null) {
      warn(
        name,
        `no usable Python found (${python.seen.join("; ")}).\n${PYTHON_INSTALL_HINT}\n` +
          "Continuing without JupyterLab: `npm start` falls back to the CLI and the notebook tests will fail.",
      );
      return false;
    }
    step(name, `creating .venv with ${python.command} ${python.version}`);
    fs.rmSync(paths.venv, { recursive: true, force: true });
    if (run(python.command, ["-m", "venv", paths.venv]) !== 0) {
      throw new SetupError(`\`${python.command} -m venv .venv\` failed.\n${PYTHON_INSTALL_HINT}`);
    }
  }
  // Node would otherwise read the repo's "type": "module" for the .js files Jupyter ships in .venv.
  fs.writeFileSync(path.join(paths.venv, "package.json"), '{ "type": "commonjs" }\n');
  step(name, "installing scripts/requirements.txt into .venv (JupyterLab, jupyter-server-proxy, nbclient)");
  const status = run(paths.venvPython, [
    "-m",
    "pip",
    "install",
    "--disable-pip-version-check",
    "-q",
    "-r",
    paths.requirements,
  ]);
  if (status !== 0)
    throw new SetupError(
      `pip install -r scripts/requirements.txt failed (exit ${status}); fix the error above and run \`npm run setup\` again.`,
    );
  step(name, "installing scripts/requirements-airflow3-client.txt into .venv/airflow3-client (Airflow 3's API client)");
  fs.rmSync(paths.airflow3Client, { recursive: true, force: true });
  const clientStatus = run(paths.venvPython, [
    "-m",
    "pip",
    "install",
    "--disable-pip-version-check",
    "-q",
    "--target",
    paths.airflow3Client,
    "-r",
    paths.airflow3ClientRequirements,
  ]);
  if (clientStatus !== 0)
    throw new SetupError(
      `pip install -r scripts/requirements-airflow3-client.txt failed (exit ${clientStatus}); fix the error above and run \`npm run setup\` again.`,
    );
  writeStamp(paths.venvStamp, hash);
  return true;
}

function kernelspec() {
  const name = "tslab kernel";
  if (!fs.existsSync(paths.tslabBin)) {
    throw new SetupError(
      "node_modules/tslab is missing although npm finished: delete node_modules and run `npm run setup` again.",
    );
  }
  const wanted = kernelJson();
  const file = path.join(paths.kernelspecDir, "kernel.json");
  if (readFile(file) === wanted) {
    step(name, "kernelspec `tslab` registered in .venv");
  } else {
    const staging = fs.mkdtempSync(path.join(os.tmpdir(), "kitelab-kernelspec-"));
    const specDir = path.join(staging, "tslab");
    fs.mkdirSync(specDir);
    fs.writeFileSync(path.join(specDir, "kernel.json"), wanted);
    step(name, "registering kernelspec `tslab` in .venv/share/jupyter/kernels (not in your user Jupyter)");
    const status = run(paths.venvJupyter, [
      "kernelspec",
      "install",
      "--prefix",
      paths.venv,
      "--name",
      "tslab",
      "--replace",
      specDir,
    ]);
    fs.rmSync(staging, { recursive: true, force: true });
    if (status !== 0) throw new SetupError(`jupyter kernelspec install failed (exit ${status}).`);
  }
  if (readFile(paths.kitelabShim) !== kitelabShim()) {
    fs.writeFileSync(paths.kitelabShim, kitelabShim(), { mode: 0o755 });
    fs.chmodSync(paths.kitelabShim, 0o755);
    step(name, "wrote .venv/bin/kitelab (the CLI, on the kernel's PATH)");
  }
}

/**
 * JupyterLab's own defaults for this venv (`overrides.json` in its app settings folder): no
 * "receive official Jupyter news?" toast and no update check on a student's first start.
 * A student can still turn either on in Settings.
 */
function jupyterLabSettings() {
  const file = path.join(paths.venv, "share", "jupyter", "lab", "settings", "overrides.json");
  const wanted = `${JSON.stringify(JUPYTERLAB_OVERRIDES, null, 2)}\n`;
  if (readFile(file) === wanted) {
    step("jupyterlab settings", "no news toast, no update check (.venv/share/jupyter/lab/settings/overrides.json)");
    return;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, wanted);
  step("jupyterlab settings", "wrote .venv/share/jupyter/lab/settings/overrides.json: no news toast, no update check");
}

const JUPYTERLAB_OVERRIDES = {
  "@jupyterlab/apputils-extension:notification": { fetchNews: "false", checkForUpdates: false },
};

function readFile(file) {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/**
 * Debian packages the tests use as real servers or browsers. Each is installed once with apt
 * when setup runs as root; otherwise setup prints the command and the tests that need the
 * package skip with that same message.
 */
const DEBIAN_PACKAGES = [
  {
    name: "tzdata",
    packages: ["tzdata"],
    present: ["/usr/share/zoneinfo/Europe/Paris"],
    skipEnv: "KITELAB_SKIP_TZDATA",
    need: "strftime's %Z (zone abbreviations such as CET, as Airflow prints them) and its tests",
  },
  {
    name: "chromium",
    packages: ["chromium"],
    present: ["/usr/bin/chromium"],
    skipEnv: "KITELAB_SKIP_BROWSER",
    need: "browser tests",
  },
  {
    name: "postgresql",
    packages: ["postgresql"],
    present: ["/usr/lib/postgresql"],
    skipEnv: "KITELAB_SKIP_DATABASES",
    need: "the PostgresHook tests (a throwaway server in a temporary folder)",
  },
  {
    name: "mariadb",
    packages: ["mariadb-server"],
    present: ["/usr/sbin/mariadbd", "/usr/bin/mariadb-install-db"],
    skipEnv: "KITELAB_SKIP_DATABASES",
    need: "the MySqlHook tests (a throwaway server in a temporary folder)",
  },
  {
    name: "redis",
    packages: ["redis-server"],
    present: ["/usr/bin/redis-server"],
    skipEnv: "KITELAB_SKIP_REDIS",
    need: "the BullMQ executor tests (each starts its own Redis on a free loopback port)",
  },
];

function debianPackage({ name, packages, present, skipEnv, need }) {
  if (process.env[skipEnv] === "1") {
    step(name, `skipped (${skipEnv}=1)`);
    return;
  }
  if (present.every((file) => fs.existsSync(file))) {
    step(name, `${present.join(", ")} present`);
    return;
  }
  const command = `apt-get install -y --no-install-recommends ${packages.join(" ")}`;
  if (process.platform !== "linux" || capture("sh", ["-c", "command -v apt-get"]) === null) {
    warn(
      name,
      `not found and this is not a Debian-like system: ${need} need Debian's ${packages.join(" ")} (or skip them with ${skipEnv}=1).`,
    );
    return;
  }
  if (process.getuid?.() !== 0) {
    warn(name, `not installed. ${need} need it: sudo apt-get update && sudo ${command}  (continuing without it)`);
    return;
  }
  const log = path.join(os.tmpdir(), "kitelab-setup-apt.log");
  step(name, `installing Debian's ${packages.join(" ")} with apt-get, once (log: ${log}; ${skipEnv}=1 skips)`);
  // The lock timeout lets several setups (or other apt users) on one machine wait for each other.
  const apt = (args) => {
    const result = spawnSync("apt-get", ["-q", "-o", "DPkg::Lock::Timeout=600", ...args], {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      encoding: "utf8",
    });
    fs.appendFileSync(log, `$ apt-get ${args.join(" ")}\n${result.stdout ?? ""}${result.stderr ?? ""}`);
    return result.error ? null : result.status;
  };
  const known = packages.every((pkg) => capture("apt-cache", ["show", pkg]) !== null);
  if (!known) apt(["update"]);
  const install = ["install", "-y", "--no-install-recommends", ...packages];
  let status = apt(install);
  if (status !== 0 && known) {
    apt(["update"]);
    status = apt(install);
  }
  if (status !== 0 || !present.every((file) => fs.existsSync(file))) {
    warn(
      name,
      `apt-get could not install ${packages.join(" ")} (exit ${status}, see ${log}); ${need} will be skipped until \`${command}\` works.`,
    );
  }
}

function main() {
  const started = Date.now();
  checkNode();
  npmPackages();
  buildLibrary();
  extensionPackages();
  if (pythonVenv()) {
    kernelspec();
    installExtension();
    jupyterLabSettings();
  }
  for (const pkg of DEBIAN_PACKAGES) debianPackage(pkg);
  const elapsed = Date.now() - started;
  step("done", `ready in ${elapsed < 1000 ? `${elapsed} ms` : `${(elapsed / 1000).toFixed(1)} s`}`);
}

try {
  main();
} catch (error) {
  if (!(error instanceof SetupError)) throw error;
  console.error(`[kitelab setup] FAILED: ${error.message}`);
  process.exitCode = 1;
}
