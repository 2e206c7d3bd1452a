#!/usr/bin/env node
// `npm run conformance`: runs the seeded conformance cases (schedules, manual runs, run ids) through real Apache Airflow
// (2.10.5 for Airflow 2 semantics, 3.1.3 for Airflow 3) and through Kitelab, rewrites the
// goldens in kernel-lib/test/conformance/golden/ and prints the agreement table.
// The virtual environments are created once, from PyPI, at .conformance/airflow-<version>/
// (git-ignored; stable paths other tools may read, e.g. the wheel's OpenAPI spec files).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { inRepo } from "./lib/paths.mjs";

const VERSIONS = ["2.10.5", "3.1.3"];
const cacheDir = inRepo(".conformance");
const workDir = path.join(cacheDir, "work");
const main = inRepo("kernel-lib/test/conformance/main.ts");
const driver = inRepo("kernel-lib/test/conformance/airflow/schedules.py");
const runIdDriver = inRepo("kernel-lib/test/conformance/airflow/run_ids.py");

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: "inherit", ...options });
  if (result.status !== 0) {
    console.error(`conformance: ${command} ${args.join(" ")} failed (exit ${result.status})`);
    process.exit(1);
  }
}

function python() {
  for (const candidate of ["python3", "python"]) {
    if (spawnSync(candidate, ["--version"]).status === 0) return candidate;
  }
  console.error("conformance: Python 3 is needed to install Apache Airflow (python3 not found)");
  process.exit(1);
}

/** The venv of one Airflow version, created once; a marker file says the install finished. */
function airflowVenv(version) {
  const venv = path.join(cacheDir, `airflow-${version}`);
  const marker = path.join(venv, ".installed");
  const bin = path.join(venv, "bin", "python");
  if (!fs.existsSync(marker)) {
    console.log(`conformance: installing apache-airflow==${version} into ${venv} (once, a few minutes)`);
    run(python(), ["-m", "venv", venv]);
    run(bin, ["-m", "pip", "install", "--quiet", `apache-airflow==${version}`]);
    fs.writeFileSync(marker, `apache-airflow==${version}\n`);
  }
  return bin;
}

fs.mkdirSync(workDir, { recursive: true });
const tsx = ["--import", "tsx"];
run(process.execPath, [...tsx, main, "cases", workDir], { cwd: inRepo("kernel-lib") });
for (const version of VERSIONS) {
  const bin = airflowVenv(version);
  console.log(`conformance: asking Airflow ${version}`);
  const airflowHome = path.join(workDir, `airflow-home-${version}`);
  run(bin, [driver, path.join(workDir, `cases-${version}.json`), path.join(workDir, `answers-${version}.json`)], {
    env: { ...process.env, AIRFLOW_HOME: airflowHome, AIRFLOW__CORE__LOAD_EXAMPLES: "False" },
    stdio: ["ignore", "inherit", "ignore"],
  });
  run(
    bin,
    [
      runIdDriver,
      path.join(workDir, `run-id-cases-${version}.json`),
      path.join(workDir, `run-id-answers-${version}.json`),
    ],
    { env: { ...process.env, AIRFLOW_HOME: airflowHome }, stdio: ["ignore", "inherit", "ignore"] },
  );
}
run(process.execPath, [...tsx, main, "golden", workDir], { cwd: inRepo("kernel-lib") });
const report = spawnSync(process.execPath, [...tsx, main, "report"], { cwd: inRepo("kernel-lib"), stdio: "inherit" });
process.exitCode = report.status ?? 1;
