import type { Explanation } from "./explain.js";

/** The explanation as a few lines of text, for the terminal and a notebook's text output. */
export function formatExplanation(explanation: Explanation): string {
  const lines: string[] = [];
  const { dagId, reasons } = explanation;
  if (reasons.length === 0)
    lines.push(`${dagId}: nothing holds it back${explanation.blocked ? "" : " (it is running)"}.`);
  else if (explanation.blocked) lines.push(`${dagId} is not running, because:`);
  else lines.push(`${dagId} is running; what waits, and why:`);
  reasons.forEach((reason, index) => lines.push(`  ${index + 1}. [${reason.code}] ${reason.message}`));
  const next = explanation.nextRun;
  lines.push(
    next
      ? `Next scheduled run: logical date ${next.logicalDate}, runs at ${next.runAfter}.`
      : "Next scheduled run: none.",
  );
  return lines.join("\n");
}
