/**
 * A small reader for the messages Kitelab writes (RFC 5322 with MIME multipart, base64 and
 * quoted-printable parts): enough for the outbox list, the outbox page and the tests.
 * It is not a general mail parser.
 */

/** One parsed message: decoded headers, the HTML and text bodies, the attachments. */
export interface ParsedMail {
  /** Lower-case header names; values unfolded and decoded (`=?UTF-8?Q?...?=`). */
  headers: Map<string, string[]>;
  html?: string;
  text?: string;
  attachments: { filename: string; contentType: string; content: Buffer }[];
}

/** The first value of a header, or undefined. */
export function headerValue(mail: Pick<ParsedMail, "headers">, name: string): string | undefined {
  return mail.headers.get(name.toLowerCase())?.[0];
}

/** Splits a message (bytes as a latin1 string) into its header block and body. */
function splitHeadBody(raw: string): { head: string; body: string } {
  const match = /\r?\n\r?\n/.exec(raw);
  if (!match) return { head: raw, body: "" };
  return { head: raw.slice(0, match.index), body: raw.slice(match.index + match[0].length) };
}

/** Header lines, unfolded, in order; values as written (not decoded). */
export function parseHeaderBlock(head: string): [string, string][] {
  const fields: [string, string][] = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && fields.length > 0) {
      fields[fields.length - 1]![1] += line;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon > 0) fields.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return fields;
}

/** Decodes RFC 2047 encoded words; whitespace between two encoded words is dropped. */
export function decodeEncodedWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[bBqQ]\?[^?]*\?=)\s+(?==\?[^?]+\?[bBqQ]\?[^?]*\?=)/g, "$1")
    .replace(/=\?([^?*]+)(?:\*[^?]*)?\?([bBqQ])\?([^?]*)\?=/g, (_, charset: string, encoding: string, text: string) => {
      const bytes =
        encoding.toUpperCase() === "B" ? Buffer.from(text, "base64") : decodeQuotedPrintable(text.replace(/_/g, " "));
      return decodeCharset(bytes, charset);
    });
}

function decodeQuotedPrintable(text: string): Buffer {
  const cleaned = text.replace(/=\r?\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < cleaned.length; i++) {
    const char = cleaned[i]!;
    const hex = cleaned.slice(i + 1, i + 3);
    if (char === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(cleaned.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

function decodeCharset(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset.trim().toLowerCase()).decode(bytes);
  } catch {
    return bytes.toString("utf8");
  }
}

/** `text/html; charset=utf-8` -> the type and its parameters (RFC 2231 continuations joined). */
export function parseStructuredHeader(value: string): { value: string; params: Record<string, string> } {
  const [first = "", ...rest] = value.split(/;(?=(?:[^"]*"[^"]*")*[^"]*$)/);
  const pieces = new Map<string, { parts: string[]; extended: boolean }>();
  for (const piece of rest) {
    const eq = piece.indexOf("=");
    if (eq < 0) continue;
    const rawKey = piece.slice(0, eq).trim().toLowerCase();
    let paramValue = piece.slice(eq + 1).trim();
    if (paramValue.startsWith('"') && paramValue.endsWith('"'))
      paramValue = paramValue.slice(1, -1).replace(/\\(.)/g, "$1");
    const keyMatch = /^([^*]+)(?:\*(\d+))?(\*)?$/.exec(rawKey);
    if (!keyMatch) continue;
    const key = keyMatch[1]!;
    const entry = pieces.get(key) ?? { parts: [], extended: false };
    entry.parts[Number(keyMatch[2] ?? 0)] = paramValue;
    entry.extended ||= keyMatch[3] === "*";
    pieces.set(key, entry);
  }
  const params: Record<string, string> = {};
  for (const [key, { parts, extended }] of pieces) {
    const joined = parts.join("");
    if (extended) {
      const match = /^([^']*)'[^']*'(.*)$/.exec(joined);
      const charset = match?.[1] || "utf-8";
      const encoded = match ? match[2]! : joined;
      params[key] = decodeCharset(
        Buffer.from(
          encoded.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          "latin1",
        ),
        charset,
      );
    } else {
      params[key] = decodeEncodedWords(joined);
    }
  }
  return { value: first.trim().toLowerCase(), params };
}

/** Parses a message Kitelab composed (or any simple MIME message). */
export function parseMail(raw: Buffer | string): ParsedMail {
  const binary = typeof raw === "string" ? Buffer.from(raw, "utf8").toString("latin1") : raw.toString("latin1");
  const result: ParsedMail = { headers: new Map(), attachments: [] };
  const { head, body } = splitHeadBody(binary);
  for (const [name, value] of parseHeaderBlock(head)) {
    const decoded = decodeEncodedWords(Buffer.from(value, "latin1").toString("utf8"));
    const key = name.toLowerCase();
    result.headers.set(key, [...(result.headers.get(key) ?? []), decoded]);
  }
  walkPart(parseHeaderBlock(head), body, result);
  return result;
}

function walkPart(fields: [string, string][], body: string, result: ParsedMail): void {
  const field = (name: string) => fields.find(([key]) => key.toLowerCase() === name)?.[1];
  const contentType = parseStructuredHeader(field("content-type") ?? "text/plain; charset=us-ascii");
  if (contentType.value.startsWith("multipart/") && contentType.params.boundary) {
    for (const part of splitMultipart(body, contentType.params.boundary)) {
      const { head, body: partBody } = splitHeadBody(part);
      walkPart(parseHeaderBlock(head), partBody, result);
    }
    return;
  }
  const encoding = (field("content-transfer-encoding") ?? "7bit").toLowerCase();
  const bytes =
    encoding === "base64"
      ? Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ""), "base64")
      : encoding === "quoted-printable"
        ? decodeQuotedPrintable(body)
        : Buffer.from(body, "latin1");
  const disposition = parseStructuredHeader(field("content-disposition") ?? "");
  const filename = disposition.params.filename ?? contentType.params.name;
  if (disposition.value === "attachment" || filename !== undefined) {
    result.attachments.push({ filename: filename ?? "attachment", contentType: contentType.value, content: bytes });
  } else if (contentType.value === "text/html" && result.html === undefined) {
    result.html = decodeCharset(bytes, contentType.params.charset ?? "utf-8");
  } else if (contentType.value === "text/plain" && result.text === undefined) {
    result.text = decodeCharset(bytes, contentType.params.charset ?? "utf-8");
  }
}

function splitMultipart(body: string, boundary: string): string[] {
  const parts: string[] = [];
  const delimiter = `--${boundary}`;
  const lines = body.split(/\r?\n/);
  let current: string[] | undefined;
  for (const line of lines) {
    if (line === delimiter || line === `${delimiter}--`) {
      if (current) parts.push(current.join("\r\n"));
      current = line === delimiter ? [] : undefined;
      if (line !== delimiter) break;
      continue;
    }
    current?.push(line);
  }
  return parts;
}

/** The addresses in an address header: `"A" <a@x.org>, b@y.org` -> `["a@x.org", "b@y.org"]`. */
export function addressesIn(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)
    .map((entry) => /<([^>]+)>/.exec(entry)?.[1] ?? entry)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}
