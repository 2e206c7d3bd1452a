import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import {
  courseLabsRoot,
  createCheckContext,
  defaultLabDir,
  findLabFolder,
  formatLabReport,
  labReportJson,
  loadLabChecks,
  runLabChecks,
  type LabCheck,
} from "../../check/index.js";
import { useConfiguredTaskDefaults } from "../../scheduler/settings.js";
import { loadCliConfig } from "./config.js";
import { CliError } from "../output.js";

/** `kitelab check labN`: the lab's requirements, met or not, against a student's lab folder and home. */
export function registerCheckCommand(program: Command): void {
  program
    .command("check")
    .description(
      "Check a lab's exercises: each requirement met or not, with a hint for what is not (exit 1 unless all are met)",
    )
    .argument("<lab>", "the lab, such as lab1")
    .option("--json", 'print {"lab", "checks": [{"id", "title", "passed", "hint"}], "passed", "total"}')
    .option(
      "--lab-dir <path>",
      "the lab folder to check, such as a student's copy (default: labs/<lab folder> found from the current folder, else the course's)",
    )
    .option("--only <ids>", "run only these checks (ids separated by commas), such as one exercise's")
    .action(async (lab: string, options: { json?: boolean; labDir?: string; only?: string }, command: Command) => {
      const config = loadCliConfig(command);
      useConfiguredTaskDefaults(config);
      const course = findLabFolder(courseLabsRoot(), lab);
      if (!course.ok) throw new CliError(course.error);
      const labDir = options.labDir !== undefined ? resolve(options.labDir) : defaultLabDir(course.folder);
      if (!existsSync(labDir)) throw new CliError(`--lab-dir ${labDir} does not exist; name the student's lab folder`);
      const loaded = await loadLabChecks(course.folder, lab);
      if (!loaded.ok) throw new CliError(loaded.error);
      const checks = selectChecks(loaded.value.checks, options.only);
      const report = await runLabChecks(lab, checks, createCheckContext({ labDir, config }));
      process.stdout.write(
        options.json ? `${JSON.stringify(labReportJson(report))}\n` : `${formatLabReport(report)}\n`,
      );
      process.exitCode = report.total > 0 && report.passed === report.total ? 0 : 1;
    });
}

/** The checks `--only` names, in the lab's order; an unknown id is an error listing the lab's. */
function selectChecks(checks: readonly LabCheck[], only: string | undefined): LabCheck[] {
  if (only === undefined) return [...checks];
  const wanted = only
    .split(",")
    .map((id) => id.trim())
    .filter((id) => id !== "");
  const known = checks.map((check) => check.id);
  const unknown = wanted.filter((id) => !known.includes(id));
  if (wanted.length === 0 || unknown.length > 0) {
    throw new CliError(
      `--only ${JSON.stringify(only)} names ${unknown.length > 0 ? `no check ${unknown.join(", ")}` : "no check"}; this lab's checks: ${known.join(", ")}`,
    );
  }
  return checks.filter((check) => wanted.includes(check.id));
}
