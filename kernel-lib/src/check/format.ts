import type { LabReport } from "./types.js";

/** The report as text: one line per check (met / not met), the hint and what was found under each unmet one. */
export function formatLabReport(report: LabReport): string {
  const lines = [`${report.lab}: ${report.passed}/${report.total} checks met (${report.labDir})`];
  for (const check of report.checks) {
    lines.push(`  ${check.passed ? "met    " : "NOT MET"}  ${check.id}: ${check.title}`);
    if (!check.passed) {
      lines.push(`             hint: ${check.hint}`);
      if (check.detail) lines.push(`             found: ${check.detail.split("\n").join("\n                    ")}`);
    }
  }
  if (report.total > 0 && report.passed === report.total)
    lines.push(`All ${report.total} checks of ${report.lab} are met.`);
  return lines.join("\n");
}

/** The JSON `kitelab check --json` prints: `{"lab", "checks": [{"id", "title", "passed", "hint"}], "passed", "total"}`. */
export function labReportJson(report: LabReport): unknown {
  return {
    lab: report.lab,
    labDir: report.labDir,
    checks: report.checks.map(({ id, title, passed, hint, detail }) => ({
      id,
      title,
      passed,
      hint,
      ...(detail ? { detail } : {}),
    })),
    passed: report.passed,
    total: report.total,
  };
}
