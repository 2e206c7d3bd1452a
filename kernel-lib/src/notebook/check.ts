import { resolve } from "node:path";
import type { LabReport } from "../check/types.js";
import { describeValue, KitelabError, ValidationError } from "../errors.js";
import { escapeHtml, htmlTable, show } from "./display.js";
import { kitelabCli } from "./schedulerProcess.js";
import { summarized } from "./views.js";

export interface CheckOptions {
  /** The lab folder to check. @default labs/<lab folder> found from the notebook's folder */
  labDir?: string;
  /** Run only these checks (their ids), such as one exercise's. @default every check of the lab */
  only?: readonly string[];
  /** The Kitelab home whose store is read. @default $KITELAB_HOME, else ~/kitelab */
  home?: string;
}

/**
 * Runs `kitelab check <lab> --json` (a fresh process, so a file you just edited is read anew)
 * and shows each requirement as met or not, with a hint for each one that is not.
 * Never throws for unmet checks: the table is the answer.
 * @example await check("lab1");
 * @example await check("lab1", { only: ["predict_succeeded"] });
 */
export async function check(lab: string, options: CheckOptions = {}): Promise<LabReport> {
  if (typeof lab !== "string" || !/^lab\d+$/.test(lab)) {
    throw new ValidationError(`Expected the lab as "lab1", "lab2"..., got ${describeValue(lab)}`);
  }
  if (
    options.only !== undefined &&
    (!Array.isArray(options.only) || !options.only.every((id) => typeof id === "string"))
  ) {
    throw new ValidationError(`Expected \`only\` to be a list of check ids, got ${describeValue(options.only)}`);
  }
  const args = [
    "check",
    lab,
    "--json",
    ...(options.labDir !== undefined ? ["--lab-dir", resolve(options.labDir)] : []),
    ...(options.only !== undefined ? ["--only", options.only.join(",")] : []),
  ];
  const result = await kitelabCli(args, { quiet: true, check: false, ...(options.home ? { home: options.home } : {}) });
  let report: LabReport;
  try {
    report = JSON.parse(result.stdout) as LabReport;
  } catch {
    throw new KitelabError(`\`kitelab ${args.join(" ")}\` failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
  }
  show(reportHtml(report), reportText(report));
  return summarized(report, `${report.lab}: ${report.passed}/${report.total} checks met`);
}

function reportHtml(report: LabReport): string {
  const rows = report.checks.map((item) => [
    item.passed
      ? '<span style="color:#1a7f37;font-weight:bold">✓ met</span>'
      : '<span style="color:#cf222e;font-weight:bold">✗ not met</span>',
    item.title,
    item.passed
      ? ""
      : `${escapeHtml(item.hint)}${item.detail ? `<br><small style="color:#57606a">found: ${escapeHtml(item.detail)}</small>` : ""}`,
  ]);
  const all = report.total > 0 && report.passed === report.total;
  const headline = all
    ? `<strong style="color:#1a7f37">${escapeHtml(report.lab)}: all ${report.total} checks met</strong>`
    : `<strong>${escapeHtml(report.lab)}: ${report.passed}/${report.total} checks met</strong>`;
  return `<div>${headline}${htmlTable(["", "requirement", "what to look at"], rows, { rawColumns: [0, 2] })}</div>`;
}

function reportText(report: LabReport): string {
  const lines = [`${report.lab}: ${report.passed}/${report.total} checks met`];
  for (const item of report.checks) {
    lines.push(`  ${item.passed ? "✓ met    " : "✗ not met"}  ${item.title}`);
    if (!item.passed) lines.push(`      hint: ${item.hint}${item.detail ? `\n      found: ${item.detail}` : ""}`);
  }
  return lines.join("\n");
}
