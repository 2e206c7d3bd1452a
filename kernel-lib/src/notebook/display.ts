import { createRequire } from "node:module";
import { escapeHtml } from "../util/html.js";

export { escapeHtml };

/** The part of tslab's display API Kitelab uses. */
interface TslabDisplay {
  html(html: string): void;
}

let cached: TslabDisplay | null | undefined;

/** tslab's display, when this code runs inside a tslab kernel; otherwise null. */
export function notebookDisplay(): TslabDisplay | null {
  if (cached !== undefined) return cached;
  cached = null;
  const inKernel = process.argv.some((arg) => /tslab/.test(arg)) && process.argv.includes("kernel");
  if (!inKernel) return cached;
  try {
    const tslab = createRequire(import.meta.url)("tslab") as { display?: TslabDisplay };
    if (tslab.display && typeof tslab.display.html === "function") cached = tslab.display;
  } catch {
    cached = null;
  }
  return cached;
}

/** Shows HTML in a notebook cell, or prints the text fallback in a terminal. */
export function show(html: string, text: string): void {
  const display = notebookDisplay();
  if (display) display.html(html);
  else console.log(text);
}

/** A compact HTML table for notebook output. */
export function htmlTable(
  headers: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string>>,
  options: { rawColumns?: readonly number[] } = {},
): string {
  const raw = new Set(options.rawColumns ?? []);
  const head = headers
    .map((header) => `<th style="text-align:left;padding:2px 10px">${escapeHtml(header)}</th>`)
    .join("");
  const body = rows
    .map(
      (row) =>
        `<tr>${row.map((cell, index) => `<td style="padding:2px 10px">${raw.has(index) ? cell : escapeHtml(cell)}</td>`).join("")}</tr>`,
    )
    .join("");
  return `<table style="border-collapse:collapse;font-size:13px"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/**
 * The "paused" mark in HTML outputs, drawn as two bars: the pause symbol U+23F8 is missing from
 * common fonts (DejaVu, Liberation) and shows as an empty box there.
 */
export const PAUSE_MARK =
  '<svg class="kitelab-pause-mark" width="0.8em" height="0.8em" viewBox="0 0 10 10" role="img" aria-label="paused" style="vertical-align:-0.05em"><rect x="1.5" y="1" width="2.5" height="8" fill="currentColor"/><rect x="6" y="1" width="2.5" height="8" fill="currentColor"/></svg>';
