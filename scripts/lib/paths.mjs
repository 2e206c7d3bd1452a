// Where setup puts things. Everything lives inside the repository (see README "What setup installs").
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const inRepo = (...parts) => path.join(repoRoot, ...parts);

export const paths = {
  nodeModules: inRepo("node_modules"),
  npmStamp: inRepo("node_modules", ".kitelab-setup-npm.sha256"),
  venv: inRepo(".venv"),
  venvBin: inRepo(".venv", "bin"),
  venvPython: inRepo(".venv", "bin", "python"),
  venvJupyter: inRepo(".venv", "bin", "jupyter"),
  venvStamp: inRepo(".venv", ".kitelab-setup-requirements.sha256"),
  requirements: inRepo("scripts", "requirements.txt"),
  // Airflow 3's client has the same import name as Airflow 2's, so it lives in its own folder (PYTHONPATH).
  airflow3ClientRequirements: inRepo("scripts", "requirements-airflow3-client.txt"),
  airflow3Client: inRepo(".venv", "airflow3-client"),
  kernelspecDir: inRepo(".venv", "share", "jupyter", "kernels", "tslab"),
  kitelabShim: inRepo(".venv", "bin", "kitelab"),
  tslabBin: inRepo("node_modules", "tslab", "bin", "tslab"),
  tslabKernel: inRepo("scripts", "tslab-kernel.cjs"),
  kitelabBin: inRepo("kernel-lib", "bin", "kitelab.mjs"),
  libSrc: inRepo("kernel-lib", "src"),
  libDist: inRepo("kernel-lib", "dist"),
  buildStamp: inRepo("kernel-lib", "dist", ".kitelab-setup-build.sha256"),
  buildTsconfig: inRepo("kernel-lib", "tsconfig.build.json"),
  tsc: inRepo("node_modules", "typescript", "bin", "tsc"),
  examples: inRepo("kernel-lib", "examples"),
  extension: inRepo("extension"),
  extensionNodeModules: inRepo("extension", "node_modules"),
  extensionNpmStamp: inRepo("extension", "node_modules", ".kitelab-setup-npm.sha256"),
  // In .venv, so a venv created anew installs the extension again.
  extensionStamp: inRepo(".venv", ".kitelab-setup-extension.sha256"),
  extensionShared: inRepo(".venv", "share", "jupyter", "labextensions", "kitelab-jupyterlab", "package.json"),
  extensionServerConfig: inRepo(".venv", "etc", "jupyter", "jupyter_server_config.d", "kitelab_jupyterlab.json"),
};
