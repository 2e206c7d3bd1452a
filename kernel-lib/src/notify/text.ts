/**
 * Makes text safe for one header line: line breaks (and other control characters) become
 * one space, so a templated subject can never start a new header.
 */
export function headerSafe(text: string): string {
  return text
    .replace(/[\r\n\u000b\u000c\u0085\u2028\u2029]+/g, " ")
    .replace(/[\u0000-\u0008\u000e-\u001f\u007f]/g, "")
    .replace(/\s{2,}/g, " ")
    .trim();
}

export { escapeHtml } from "../util/html.js";

const ADDRESS = /^[^\s@<>,;"()[\]\\]+@[^\s@<>,;"()[\]\\]+\.[^\s@<>,;"()[\]\\]+$/;

/**
 * Why `entry` is not a usable recipient, or undefined when it is one: `a@b.org` or
 * `Display Name <a@b.org>`. Line breaks are refused, so no address can add a header.
 */
export function addressProblem(entry: unknown): string | undefined {
  if (typeof entry !== "string") return `${String(entry)} is not a string`;
  if (/[\r\n]/.test(entry)) return `${JSON.stringify(entry)} contains a line break`;
  const named = /^\s*(?:"[^"]*"|[^<>"]*?)\s*<([^<>]+)>\s*$/.exec(entry);
  const address = (named ? named[1]! : entry).trim();
  return ADDRESS.test(address)
    ? undefined
    : `${JSON.stringify(entry)} is not an email address such as "student@example.com"`;
}

/** `base` + `/a/b` with each segment URL-encoded; a path alone when no base URL is configured. */
export function statusLink(base: string, ...segments: string[]): string {
  return `${base.replace(/\/+$/, "")}/${segments.map(encodeURIComponent).join("/")}`;
}

/** The last `count` lines of a text, without a trailing empty line. */
export function lastLines(text: string, count: number): string[] {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines.slice(-count);
}

const NAMED_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

/**
 * The plain-text alternative of an HTML mail body, for mail clients that show text only
 * (and spam filters that distrust HTML-only mail): block ends become line breaks, table
 * cells are separated by two spaces, links keep their address, tags go, entities decode.
 * @example htmlToText('<p>Run <a href="http://x/success">succeeded</a></p>') // "Run succeeded (http://x/success)"
 */
export function htmlToText(html: string): string {
  // Outside <pre>, a run of whitespace in HTML is one space; inside, lines are kept.
  const collapsed = html
    .replace(/<(style|script|head)\b[\s\S]*?<\/\1>/gi, "")
    .split(/(<pre\b[\s\S]*?<\/pre>)/i)
    .map((part) => (/^<pre\b/i.test(part) ? part : part.replace(/\s+/g, " ")))
    .join("");
  return collapsed
    .replace(/<a\b[^>]*\bhref\s*=\s*"([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, (_whole, href: string, label: string) => {
      const text = label.replace(/<[^>]*>/g, "").trim();
      return text === "" || text === href ? href : `${text} (${href})`;
    })
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<li\b[^>]*>/gi, "- ")
    .replace(/<\/(p|div|h[1-6]|li|tr|table|pre|ul|ol|blockquote)>/gi, "\n")
    .replace(/<\/t[dh]>\s*(?=<t[dh]\b)/gi, "  ")
    .replace(/<[^>]*>/g, "")
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
      if (entity.startsWith("#x") || entity.startsWith("#X"))
        return String.fromCodePoint(parseInt(entity.slice(2), 16));
      if (entity.startsWith("#")) return String.fromCodePoint(Number(entity.slice(1)));
      return NAMED_ENTITIES[entity.toLowerCase()] ?? whole;
    })
    .split("\n")
    .map((line) => line.trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
