import { stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import type { OutgoingEmail } from "../dag/context.js";
import { describeValue, err, ok, type Result } from "../errors.js";
import { composeRaw, KITELAB_HEADERS, mailOptions } from "./compose.js";
import type { MailMessage } from "./messages.js";
import { writeToOutbox, type OutboxStatus } from "./outbox.js";
import { addressProblem, headerSafe } from "./text.js";

/**
 * Checks an EmailOperator message where it enters (it crossed a process boundary): the
 * shape, every address, and that every attachment is a readable file now.
 */
export async function checkOutgoing(input: unknown): Promise<Result<MailMessage, string>> {
  if (typeof input !== "object" || input === null)
    return err(`Expected an email message object, got ${describeValue(input)}`);
  const message = input as Partial<OutgoingEmail>;
  const subject = typeof message.subject === "string" ? headerSafe(message.subject) : "";
  const what = subject ? `"${subject}"` : "the email";
  const lists: Record<"to" | "cc" | "bcc", string[]> = { to: [], cc: [], bcc: [] };
  for (const field of ["to", "cc", "bcc"] as const) {
    const value = message[field] ?? [];
    if (!Array.isArray(value))
      return err(
        `Cannot send ${what}: expected \`${field}\` to be a list of addresses, got ${describeValue(value)}; nothing was sent`,
      );
    for (const entry of value) {
      const problem = addressProblem(entry);
      if (problem) return err(`Cannot send ${what}: ${problem} (in \`${field}\`); fix the address, nothing was sent`);
      lists[field].push((entry as string).trim());
    }
  }
  if (lists.to.length === 0)
    return err(`Cannot send ${what}: \`to\` is empty; give at least one address such as "student@example.com"`);
  if (message.html !== undefined && typeof message.html !== "string")
    return err(`Cannot send ${what}: expected the HTML body to be a string, got ${describeValue(message.html)}`);
  const attachments: MailMessage["attachments"] = [];
  for (const file of message.attachments ?? []) {
    const path = typeof file?.path === "string" ? resolve(file.path) : undefined;
    if (!path)
      return err(`Cannot send ${what}: expected each attachment to have a file path, got ${describeValue(file)}`);
    const filename =
      typeof file.filename === "string" && file.filename !== "" ? headerSafe(file.filename) : basename(path);
    const found = await stat(path).catch(() => undefined);
    if (!found)
      return err(
        `Cannot send ${what}: the attachment ${filename} was not found at ${path}; write it in an upstream task or fix the path. Nothing was sent`,
      );
    if (!found.isFile())
      return err(
        `Cannot send ${what}: the attachment ${path} is not a file; attach files, not folders. Nothing was sent`,
      );
    attachments.push({ filename, path });
  }
  return ok({ kind: "email-operator", ...lists, subject, html: message.html ?? "", attachments });
}

/** The message with unusable addresses removed; `dropped` says which and why. */
export function keepValidRecipients(message: MailMessage): { message: MailMessage; dropped: string[] } {
  const dropped: string[] = [];
  const filter = (list: string[]) =>
    list.filter((entry) => {
      const problem = addressProblem(entry);
      if (problem) dropped.push(problem);
      return !problem;
    });
  return { message: { ...message, to: filter(message.to), cc: filter(message.cc), bcc: filter(message.bcc) }, dropped };
}

/** Short description for logs and details: `"subject" to a@x.org, b@y.org`. */
export function describeMessage(message: MailMessage): string {
  return `"${message.subject}" to ${[...message.to, ...message.cc, ...message.bcc].join(", ")}`;
}

/**
 * Composes the message and writes it to the outbox (or `outbox/failed/`) with its status and
 * reason as headers. When an attachment cannot be read any more, the message is kept without
 * it and the reason says so.
 */
export async function storeMessage(
  home: string,
  message: MailMessage,
  options: { from: string; now: Date; status: OutboxStatus; reason?: string },
): Promise<{ id: string; path: string }> {
  const headers: Record<string, string> = { [KITELAB_HEADERS.status]: options.status };
  if (options.reason) headers[KITELAB_HEADERS.reason] = options.reason;
  let raw: Buffer;
  try {
    raw = await composeRaw(mailOptions(message, options.from, options.now, headers));
  } catch (error) {
    const note = `attachments left out: ${(error as Error).message}`;
    headers[KITELAB_HEADERS.reason] = options.reason ? `${options.reason}; ${note}` : note;
    raw = await composeRaw(mailOptions({ ...message, attachments: [] }, options.from, options.now, headers));
  }
  return writeToOutbox(home, raw, { failed: options.status === "failed", now: options.now });
}
