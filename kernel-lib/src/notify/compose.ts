import MailComposer from "nodemailer/lib/mail-composer/index.js";
import type Mail from "nodemailer/lib/mailer/index.js";
import type { MailMessage } from "./messages.js";
import { headerSafe, htmlToText } from "./text.js";

/** Headers Kitelab adds to messages it keeps in the outbox. */
export const KITELAB_HEADERS = {
  kind: "X-Kitelab-Kind",
  status: "X-Kitelab-Status",
  reason: "X-Kitelab-Reason",
} as const;

/** nodemailer's options for one message (attachments are read from their paths when built). */
export function mailOptions(
  message: MailMessage,
  from: string,
  date: Date,
  headers: Record<string, string> = {},
): Mail.Options {
  return {
    from,
    to: message.to,
    cc: message.cc.length > 0 ? message.cc : undefined,
    bcc: message.bcc.length > 0 ? message.bcc : undefined,
    subject: headerSafe(message.subject),
    html: message.html,
    text: htmlToText(message.html),
    date,
    attachments: message.attachments.map((file) => ({ filename: file.filename, path: file.path })),
    headers: {
      [KITELAB_HEADERS.kind]: message.kind,
      ...Object.fromEntries(Object.entries(headers).map(([key, value]) => [key, headerSafe(value)])),
    },
    disableUrlAccess: true,
  };
}

/**
 * The message as RFC 5322 bytes, ready to be written as an `.eml` file. Bcc is kept for
 * the outbox copy (it is the only record of who would have received it).
 */
export async function composeRaw(options: Mail.Options, keepBcc = true): Promise<Buffer> {
  const node = new MailComposer(options).compile();
  node.keepBcc = keepBcc;
  return node.build();
}
