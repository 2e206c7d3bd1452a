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

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`=]/g, (char) => HTML_ENTITIES[char]!);
}

const HTML_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#x27;",
  "`": "&#x60;",
  "=": "&#x3D;",
};

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
  return ADDRESS.test(address) ? undefined : `${JSON.stringify(entry)} is not an email address such as "student@example.com"`;
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
