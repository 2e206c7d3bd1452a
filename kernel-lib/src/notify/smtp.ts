import nodemailer from "nodemailer";
import type Mail from "nodemailer/lib/mailer/index.js";
import type SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import type { ResolvedMailSettings } from "./settings.js";

/** A transport's one job: hand one message to the server. */
export interface MailTransport {
  send(options: Mail.Options): Promise<{ messageId: string; response: string }>;
  close(): void;
}

/**
 * nodemailer over SMTP with Airflow's meaning of the keys: `smtp_ssl` is TLS from the first
 * byte, `smtp_starttls` requires the upgrade (and false means no upgrade), AUTH only when a
 * user is set, and `smtp_timeout` bounds connecting, the greeting and every answer.
 */
export function createSmtpTransport(settings: ResolvedMailSettings): MailTransport {
  const timeoutMs = Math.round(settings.smtpTimeout * 1000);
  const options: SMTPTransport.Options = {
    host: settings.smtpHost,
    port: settings.smtpPort,
    secure: settings.smtpSsl,
    requireTLS: !settings.smtpSsl && settings.smtpStarttls,
    ignoreTLS: !settings.smtpSsl && !settings.smtpStarttls,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
    logger: false,
    debug: false,
    disableUrlAccess: true,
    tls: settings.smtpTlsCa ? { ca: [settings.smtpTlsCa] } : undefined,
  };
  if (settings.smtpUser) options.auth = { user: settings.smtpUser, pass: settings.smtpPassword };
  const transporter = nodemailer.createTransport(options);
  return {
    async send(mail) {
      const info = await transporter.sendMail(mail);
      return { messageId: info.messageId, response: info.response };
    },
    close: () => transporter.close(),
  };
}

/** The delay before retry `retry` (1-based): base, 2×base, 4×base... never above `maxMs`. */
export function backoffDelay(retry: number, baseMs: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, retry - 1), maxMs);
}

/**
 * True when trying again cannot help: the server answered with a permanent (5xx) reply,
 * such as an unknown recipient or a failed login, or the message itself is broken (an
 * attachment is gone). Connection problems, timeouts and 4xx replies are retried.
 */
export function isPermanentFailure(error: unknown): boolean {
  const responseCode = (error as { responseCode?: unknown })?.responseCode;
  if (typeof responseCode === "number") return responseCode >= 500 && responseCode < 600;
  const code = (error as { code?: unknown })?.code;
  return code === "ENOENT" || code === "EENVELOPE" || code === "EISDIR";
}

/** A one-line, password-free reason for a failed attempt. */
export function describeSmtpError(error: unknown, secret: string): string {
  const base = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown })?.code;
  const text = typeof code === "string" && !base.includes(code) ? `${code}: ${base}` : base;
  const oneLine = text.replace(/\s+/g, " ").trim();
  return secret ? oneLine.split(secret).join("********") : oneLine;
}

/** Waits `ms`, or less when `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}

export type SendOutcome =
  | { ok: true; attempts: number; messageId: string; response: string }
  | { ok: false; attempts: number; reason: string };

/**
 * Sends with up to `retryLimit` retries and exponential backoff; stops early on a permanent
 * failure or when `signal` aborts. Every failed attempt is reported to `onAttemptFailed`.
 */
export async function sendWithRetries(
  transport: MailTransport,
  mail: Mail.Options,
  options: {
    retryLimit: number;
    baseDelayMs: number;
    maxDelayMs: number;
    secret: string;
    signal?: AbortSignal;
    onAttemptFailed?: (attempt: number, reason: string, willRetry: boolean) => void;
  },
): Promise<SendOutcome> {
  let attempt = 0;
  for (;;) {
    attempt += 1;
    try {
      const info = await transport.send(mail);
      return { ok: true, attempts: attempt, ...info };
    } catch (error) {
      const reason = describeSmtpError(error, options.secret);
      const willRetry = attempt <= options.retryLimit && !isPermanentFailure(error) && !options.signal?.aborted;
      options.onAttemptFailed?.(attempt, reason, willRetry);
      if (!willRetry) return { ok: false, attempts: attempt, reason };
      await pause(backoffDelay(attempt, options.baseDelayMs, options.maxDelayMs), options.signal);
      if (options.signal?.aborted) return { ok: false, attempts: attempt, reason };
    }
  }
}
