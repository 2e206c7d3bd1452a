#!/usr/bin/env node
// `npm start` (after setup): JupyterLab from .venv in the repository root when it is ready,
// otherwise `kitelab standalone` with the example DAGs (the scheduler and its status page).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { paths, repoRoot } from "./lib/paths.mjs";

const jupyterReady = fs.existsSync(paths.venvJupyter) && fs.existsSync(path.join(paths.kernelspecDir, "kernel.json"));

if (jupyterReady && process.env.KITELAB_START !== "cli") {
  startJupyterLab();
} else {
  console.log(
    jupyterReady
      ? "[kitelab start] KITELAB_START=cli: starting kitelab standalone with the example DAGs."
      : "[kitelab start] JupyterLab is not set up (see `npm run setup` above); starting kitelab standalone with the example DAGs instead.",
  );
  const child = spawn(process.execPath, [paths.kitelabBin, "standalone"], { cwd: repoRoot, stdio: "inherit" });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code) => (process.exitCode = code ?? 0));
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
  console.log(`[kitelab start] JupyterLab on port ${port} (KITELAB_PORT changes it). Open:\n\n    ${url}\n`);
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
}
