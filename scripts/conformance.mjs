#!/usr/bin/env node
// `npm run conformance`: runs the conformance cases (seeded schedules, manual runs and run ids;
// every trigger rule over every upstream combination) through real Apache Airflow (2.10.5 for
// Airflow 2 semantics, 3.1.3 for Airflow 3) and through Kitelab, rewrites the goldens in
// kernel-lib/test/conformance/golden/ and prints the agreement table.
// `npm run conformance -- --only trigger-rules` asks Airflow about some areas only (schedules,
// run-ids, trigger-rules, templates); the other goldens stay as committed.
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
const triggerRuleDriver = inRepo("kernel-lib/test/conformance/airflow/trigger_rules.py");
const templateDriver = inRepo("kernel-lib/test/conformance/airflow/templates.py");
const AREAS = ["schedules", "run-ids", "trigger-rules", "templates"];

/** The areas to ask Airflow about: `--only a,b` or all of them. */
function areas() {
  const index = process.argv.indexOf("--only");
  if (index === -1) return AREAS;
  const chosen = (process.argv[index + 1] ?? "").split(",").filter(Boolean);
  const unknown = chosen.filter((area) => !AREAS.includes(area));
  if (chosen.length === 0 || unknown.length > 0) {
    console.error(`conformance: --only takes areas separated by commas, from: ${AREAS.join(", ")}`);
    process.exit(2);
  }
  return chosen;
}

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

/** Airflow is CPU-heavy: on a shared machine it runs at the lowest priority (`nice -n 19`, where there is nice). */
const niced = spawnSync("nice", ["-n", "19", "true"]).status === 0;
const runAirflow = (command, args, options) =>
  niced ? run("nice", ["-n", "19", command, ...args], options) : run(command, args, options);

const selected = areas();
fs.mkdirSync(workDir, { recursive: true });
const tsx = ["--import", "tsx"];
run(process.execPath, [...tsx, main, "cases", workDir], { cwd: inRepo("kernel-lib") });
for (const version of VERSIONS) {
  const bin = airflowVenv(version);
  console.log(`conformance: asking Airflow ${version} (${selected.join(", ")})`);
  const env = {
    ...process.env,
    AIRFLOW_HOME: path.join(workDir, `airflow-home-${version}`),
    AIRFLOW__CORE__LOAD_EXAMPLES: "False",
  };
  // Airflow's warnings on stderr are dropped, except where a driver explains its own failure there.
  const ask = (driver, area, stderr = "ignore") =>
    runAirflow(
      bin,
      [
        driver,
        path.join(workDir, `${area}cases-${version}.json`),
        path.join(workDir, `${area}answers-${version}.json`),
      ],
      {
        env,
        stdio: ["ignore", "inherit", stderr],
      },
    );
  if (selected.includes("schedules")) ask(driver, "");
  if (selected.includes("run-ids")) ask(runIdDriver, "run-id-");
  if (selected.includes("trigger-rules") || selected.includes("templates")) {
    // Trigger rules and templates run real DAGs through `airflow dags test`, which needs a metadata DB.
    runAirflow(path.join(path.dirname(bin), "airflow"), ["db", "migrate"], {
      env,
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  if (selected.includes("trigger-rules")) ask(triggerRuleDriver, "trigger-rule-", "inherit");
  if (selected.includes("templates")) ask(templateDriver, "template-", "inherit");
}
run(process.execPath, [...tsx, main, "golden", workDir, ...selected], { cwd: inRepo("kernel-lib") });
const report = spawnSync(process.execPath, [...tsx, main, "report"], { cwd: inRepo("kernel-lib"), stdio: "inherit" });
process.exitCode = report.status ?? 1;
