/**
 * Reading mail (the outbox's `.eml` files, what a test SMTP server received) with postal-mime,
 * a maintained MIME parser; composing is nodemailer's (`compose.ts`). This module only keeps
 * the shape the outbox and the tests read: headers by lower-case name, decoded.
 */
import PostalMime, { addressParser, decodeWords } from "postal-mime";

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

/** Parses a message: a whole one, or only its header block (then with no body or attachments). */
export async function parseMail(raw: Buffer | string): Promise<ParsedMail> {
  const email = await PostalMime.parse(raw, { attachmentEncoding: "arraybuffer" });
  const headers = new Map<string, string[]>();
  for (const { key, value } of email.headers) headers.set(key, [...(headers.get(key) ?? []), decodeWords(value)]);
  return {
    headers,
    ...(email.html !== undefined ? { html: email.html } : {}),
    ...(email.text !== undefined ? { text: email.text } : {}),
    attachments: email.attachments.map((attachment) => ({
      filename: attachment.filename ?? "attachment",
      contentType: attachment.mimeType,
      content: contentBytes(attachment.content),
    })),
  };
}

function contentBytes(content: ArrayBuffer | Uint8Array | string): Buffer {
  if (typeof content === "string") return Buffer.from(content, "utf8");
  if (content instanceof Uint8Array) return Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  return Buffer.from(content);
}

/** The addresses in an address header: `"A" <a@x.org>, b@y.org` -> `["a@x.org", "b@y.org"]` (groups flattened). */
export function addressesIn(value: string | undefined): string[] {
  if (!value) return [];
  return addressParser(value, { flatten: true })
    .map((mailbox) => mailbox.address?.trim() ?? "")
    .filter((address) => address !== "");
}
