#!/usr/bin/env node
// `npm start`: setup, then JupyterLab from .venv in the repository root when it is ready,
// otherwise `kitelab standalone` with the example DAGs (the scheduler and its status page).
// SIGINT and SIGTERM are passed on to whatever this runs (setup, then JupyterLab or the CLI).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { paths, repoRoot } from "./lib/paths.mjs";

let current = null;
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => current?.kill(signal));
// `kill <npm's pid>`: npm passes SIGTERM to the shell running this script, which dies without
// passing it on. This process is then reparented: treat that as the SIGTERM it did not get.
const parent = process.ppid;
const orphaned = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(orphaned);
  current?.kill("SIGTERM");
}, 500).unref();

const setup = await runToEnd(
  spawn(process.execPath, [path.join(repoRoot, "scripts", "setup.mjs")], { stdio: "inherit" }),
);
if (setup.code !== 0) {
  process.exitCode = setup.code ?? 1;
} else {
  start();
}

/** Resolves with how `child` ended; signals this process gets meanwhile are passed on to it. */
function runToEnd(child) {
  current = child;
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
}

function start() {
  const jupyterReady = fs.existsSync(paths.venvJupyter) && fs.existsSync(path.join(paths.kernelspecDir, "kernel.json"));
  if (jupyterReady && process.env.KITELAB_START !== "cli") {
    startJupyterLab();
    return;
  }
  console.log(
    jupyterReady
      ? "[kitelab start] KITELAB_START=cli: starting kitelab standalone with the example DAGs."
      : "[kitelab start] JupyterLab is not set up (see `npm run setup` above); starting kitelab standalone with the example DAGs instead.",
  );
  const child = spawn(process.execPath, [paths.kitelabBin, "standalone"], { cwd: repoRoot, stdio: "inherit" });
  void runToEnd(child).then(({ code }) => (process.exitCode = code ?? 0));
}

function startJupyterLab() {
  const port = process.env.KITELAB_PORT ?? process.env.PORT ?? "8888";
  const token = process.env.JUPYTER_TOKEN || randomBytes(24).toString("hex");
  const url = `http://localhost:${port}/lab?token=${token}`;
  const args = [
    "lab",
    "--no-browser",
    `--port=${port}`,
    "--ServerApp.port_retries=0",
    `--ServerApp.root_dir=${repoRoot}`,
    "--MappingKernelManager.default_kernel_name=tslab",
  ];
  if (process.getuid?.() === 0) args.push("--allow-root");
  const jupyterData = path.join(paths.venv, "share", "jupyter");
  const child = spawn(paths.venvJupyter, args, {
    cwd: repoRoot,
    stdio: "inherit",
    env: {
      ...process.env,
      JUPYTER_TOKEN: token,
      // This venv's kernels (tslab) come before any the user installed globally.
      JUPYTER_PATH: [jupyterData, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter),
      // Runtime files, settings and workspaces stay in the checkout, not in the user's home.
      JUPYTER_RUNTIME_DIR: path.join(jupyterData, "runtime"),
      JUPYTERLAB_SETTINGS_DIR: path.join(jupyterData, "lab", "user-settings"),
      JUPYTERLAB_WORKSPACES_DIR: path.join(jupyterData, "lab", "workspaces"),
      JUPYTER_PLATFORM_DIRS: "1",
      PATH: `${paths.venvBin}${path.delimiter}${process.env.PATH ?? ""}`,
    },
  });
  void runToEnd(child).then(({ code, signal }) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
  // Jupyter logs a screenful while it starts: the address comes last, once the server answers.
  void announceWhenAnswering(`http://127.0.0.1:${port}/api/status`, token, child).then((answering) => {
    if (answering)
      console.log(
        `\n[kitelab start] JupyterLab is ready on port ${port} (KITELAB_PORT changes it). Open:\n\n    ${url}\n`,
      );
  });
}

/** True once `statusUrl` answers 200 (checked every 250 ms); false if `child` exits first. */
async function announceWhenAnswering(statusUrl, token, child) {
  while (child.exitCode === null && child.signalCode === null) {
    try {
      const response = await fetch(statusUrl, { headers: { Authorization: `token ${token}` } });
      await response.body?.cancel();
      if (response.ok) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}
