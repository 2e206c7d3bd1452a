import type { ClockInfo } from "../clock/clock.js";
import type { Explanation } from "../explain/explain.js";
import { formatExplanation } from "../explain/format.js";
import { escapeHtml } from "./display.js";
import type { View } from "./views.js";

/** "Why isn't it running?" as a short list: the code of each reason, then its sentence. */
export function explanationView(explanation: Explanation): View {
  const { dagId, reasons, blocked, nextRun } = explanation;
  const heading =
    reasons.length === 0
      ? `<strong>${escapeHtml(dagId)}</strong>: nothing holds it back.`
      : blocked
        ? `<strong>${escapeHtml(dagId)}</strong> is not running, because:`
        : `<strong>${escapeHtml(dagId)}</strong> is running; what waits, and why:`;
  const items = reasons
    .map(
      (reason) =>
        `<li data-reason="${escapeHtml(reason.code)}" style="margin:3px 0"><code style="background:#eaeef2;border-radius:4px;padding:0 4px">${escapeHtml(reason.code)}</code> ${withCode(escapeHtml(reason.message))}</li>`,
    )
    .join("");
  const next = nextRun
    ? `Next scheduled run: logical date ${escapeHtml(nextRun.logicalDate)}, runs at ${escapeHtml(nextRun.runAfter)}.`
    : "Next scheduled run: none.";
  return {
    html: `<div style="font-size:13px" data-explain="${escapeHtml(dagId)}">${heading}${items ? `<ol style="margin:4px 0 4px 1.2em;padding:0">${items}</ol>` : ""}<div style="color:#656d76">${next}</div></div>`,
    text: formatExplanation(explanation),
  };
}

/** The scheduler's clock in one line. */
export function clockView(info: ClockInfo): View {
  const text = `Scheduler clock: ${info.description}; scheduler time ${info.now}`;
  return {
    html: `<div style="font-size:13px" data-clock="${escapeHtml(info.mode)}">🕒 Scheduler clock: <strong>${escapeHtml(info.description)}</strong>; scheduler time <code>${escapeHtml(info.now)}</code></div>`,
    text,
  };
}

/** The messages quote commands between backticks, as Markdown does: show them as code. */
function withCode(html: string): string {
  return html.replace(/`([^`]+)`/g, "<code>$1</code>");
}
