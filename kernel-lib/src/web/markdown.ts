/**
 * A small, safe Markdown subset for a DAG's `doc`: headings, paragraphs, **bold**,
 * *italic*, `code`, fenced code blocks, [links](https://...) (http and https only) and
 * bulleted or numbered lists. Everything else is shown as text: the input is HTML-escaped
 * before any markup is added, so no tag or attribute of the author's reaches the page.
 */

import { escapeHtml } from "../util/html.js";

type Block =
  | { kind: "heading"; level: number; text: string }
  | { kind: "paragraph"; lines: string[] }
  | { kind: "list"; ordered: boolean; items: string[] }
  | { kind: "code"; lines: string[] };

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d{1,9}[.)]\s+(.*)$/;
const FENCE = /^\s*(```|~~~)/;

/** Renders `markdown` to HTML that contains only the elements listed above. */
export function renderMarkdown(markdown: string): string {
  return blocksOf(markdown.replace(/\r\n?/g, "\n").replace(/\0/g, "")).map(blockHtml).join("\n");
}

function blocksOf(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split("\n");
  let index = 0;
  while (index < lines.length) {
    const line = lines[index]!;
    const fence = FENCE.exec(line);
    if (fence) {
      const code: string[] = [];
      index += 1;
      while (index < lines.length && !lines[index]!.trimStart().startsWith(fence[1]!)) code.push(lines[index++]!);
      index += 1;
      blocks.push({ kind: "code", lines: code });
      continue;
    }
    if (line.trim() === "") {
      index += 1;
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ kind: "heading", level: heading[1]!.length, text: heading[2]! });
      index += 1;
      continue;
    }
    const ordered = NUMBERED.test(line);
    if (ordered || BULLET.test(line)) {
      const pattern = ordered ? NUMBERED : BULLET;
      const items: string[] = [];
      while (index < lines.length) {
        const item = pattern.exec(lines[index]!);
        if (item) items.push(item[1]!);
        else if (lines[index]!.trim() !== "" && /^\s+/.test(lines[index]!) && items.length > 0)
          items[items.length - 1] += ` ${lines[index]!.trim()}`;
        else break;
        index += 1;
      }
      blocks.push({ kind: "list", ordered, items });
      continue;
    }
    const paragraph: string[] = [];
    while (index < lines.length) {
      const next = lines[index]!;
      if (next.trim() === "" || HEADING.test(next) || FENCE.test(next) || BULLET.test(next) || NUMBERED.test(next))
        break;
      paragraph.push(next.trim());
      index += 1;
    }
    blocks.push({ kind: "paragraph", lines: paragraph });
  }
  return blocks;
}

function blockHtml(block: Block): string {
  switch (block.kind) {
    case "heading":
      return `<h${block.level}>${inlineHtml(block.text)}</h${block.level}>`;
    case "paragraph":
      return `<p>${inlineHtml(block.lines.join(" "))}</p>`;
    case "list": {
      const tag = block.ordered ? "ol" : "ul";
      return `<${tag}>${block.items.map((item) => `<li>${inlineHtml(item)}</li>`).join("")}</${tag}>`;
    }
    case "code":
      return `<pre><code>${escapeHtml(block.lines.join("\n"))}</code></pre>`;
  }
}

const LINK = /\[([^\]\n]+)\]\(([^)\s]+)\)/g;

/** Inline markup of one block. Code spans are cut out first so nothing inside them is interpreted. */
export function inlineHtml(text: string): string {
  const pieces: string[] = [];
  const parts = text.split(/(`[^`]+`)/);
  for (const part of parts) {
    if (part.length > 2 && part.startsWith("`") && part.endsWith("`")) {
      pieces.push(`<code>${escapeHtml(part.slice(1, -1))}</code>`);
    } else {
      pieces.push(linksAndEmphasis(part));
    }
  }
  return pieces.join("");
}

function linksAndEmphasis(text: string): string {
  let html = "";
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    const at = match.index ?? 0;
    html += emphasis(escapeHtml(text.slice(last, at)));
    const [whole, label, url] = match as unknown as [string, string, string];
    html += /^https?:\/\/[^\s"'<>`]+$/i.test(url)
      ? `<a href="${escapeHtml(url)}" rel="noopener noreferrer nofollow" target="_blank">${emphasis(escapeHtml(label))}</a>`
      : emphasis(escapeHtml(whole));
    last = at + whole.length;
  }
  return html + emphasis(escapeHtml(text.slice(last)));
}

/** Bold and italic on already-escaped text (the markers `*` and `_` are not escaped). */
function emphasis(escaped: string): string {
  return escaped
    .replace(/\*\*(?=\S)([^*]*?\S)\*\*/g, "<strong>$1</strong>")
    .replace(/(^|[^\w])__(?=\S)([^_]*?\S)__(?![\w])/g, "$1<strong>$2</strong>")
    .replace(/\*(?=[^\s*])([^*]*?[^\s*])\*/g, "<em>$1</em>")
    .replace(/(^|[^\w])_(?=[^\s_])([^_]*?[^\s_]|[^\s_])_(?![\w])/g, "$1<em>$2</em>");
}
