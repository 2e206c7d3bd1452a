import { ValidationError, describeValue } from "../errors.js";

/**
 * What the notifier needs, already read from `airflow.cfg` (`[smtp]`, `[email]`,
 * `[webserver] base_url`) and the Kitelab home. The notifier never prints `smtpPassword`.
 */
export interface MailSettings {
  /** The Kitelab home; the outbox is `<home>/outbox/`, failed mail `<home>/outbox/failed/`. */
  home: string;
  /** Empty: no mail server; every message is written to the outbox. `[smtp] smtp_host` */
  smtpHost: string;
  /** `[smtp] smtp_port` @default 25 */
  smtpPort: number;
  /** Upgrade the connection with STARTTLS (required when true). `[smtp] smtp_starttls` */
  smtpStarttls: boolean;
  /** TLS from the first byte (port 465). `[smtp] smtp_ssl` */
  smtpSsl: boolean;
  /** Empty: no AUTH. `[smtp] smtp_user` */
  smtpUser: string;
  /** Secret: never logged, never part of a status or an error. `[smtp] smtp_password` */
  smtpPassword: string;
  /** Sender unless `fromEmail` is set. `[smtp] smtp_mail_from` */
  smtpMailFrom: string;
  /** Seconds to wait for the server to connect, greet, and answer each command. `[smtp] smtp_timeout` */
  smtpTimeout: number;
  /** Retries of one message after a failed attempt. `[smtp] smtp_retry_limit` */
  smtpRetryLimit: number;
  /** Path of a handlebars file for task alert subjects; empty for the built-in one. `[email] subject_template` */
  subjectTemplate: string;
  /** Path of a handlebars file for task alert bodies; empty for the built-in one. `[email] html_content_template` */
  htmlContentTemplate: string;
  /** Sender of every mail; empty to use `smtpMailFrom`. `[email] from_email` */
  fromEmail: string;
  /** Base URL of the status page (`http://localhost:8080`), used for log and status links. */
  statusPageUrl: string;
  /** First retry delay; each further retry doubles it. @default 1000 */
  retryBaseDelayMs?: number;
  /** Upper bound of one retry delay. @default 60000 */
  retryMaxDelayMs?: number;
  /** Messages waiting to be sent before new ones go straight to the outbox. @default 100 */
  queueLimit?: number;
  /** Extra certificate authority (PEM) to trust, for a mail server with a self-signed certificate. */
  smtpTlsCa?: string;
}

/** MailSettings with every default filled in and every value checked. */
export type ResolvedMailSettings = Required<Omit<MailSettings, "smtpTlsCa">> & Pick<MailSettings, "smtpTlsCa">;

export const MAIL_DEFAULTS = { retryBaseDelayMs: 1000, retryMaxDelayMs: 60_000, queueLimit: 100 } as const;

/**
 * Checks settings where they enter the notifier; messages name the `airflow.cfg` key to fix.
 * The result's `smtpPassword` is not enumerable, so logging the settings cannot leak it.
 */
export function resolveMailSettings(settings: MailSettings): ResolvedMailSettings {
  if (typeof settings !== "object" || settings === null) {
    throw new ValidationError(`Expected mail settings to be an object, got ${describeValue(settings)}`);
  }
  const text = (key: keyof MailSettings, cfg: string): string => {
    const value = settings[key];
    if (typeof value !== "string")
      throw new ValidationError(`Expected \`${key}\` (${cfg}) to be a string, got ${describeValue(value)}`);
    return value;
  };
  const integer = (key: keyof MailSettings, cfg: string, min: number, fallback?: number): number => {
    const value = settings[key] ?? fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
      throw new ValidationError(
        `Expected \`${key}\` (${cfg}) to be an integer of at least ${min}, got ${describeValue(value)}`,
      );
    }
    return value;
  };
  const flag = (key: keyof MailSettings, cfg: string): boolean => {
    const value = settings[key];
    if (typeof value !== "boolean")
      throw new ValidationError(`Expected \`${key}\` (${cfg}) to be true or false, got ${describeValue(value)}`);
    return value;
  };
  const home = text("home", "the Kitelab home");
  if (home.trim() === "")
    throw new ValidationError("Expected `home` to be the Kitelab home folder, got an empty string");
  const smtpHost = text("smtpHost", "[smtp] smtp_host").trim();
  const smtpStarttls = flag("smtpStarttls", "[smtp] smtp_starttls");
  const smtpSsl = flag("smtpSsl", "[smtp] smtp_ssl");
  if (smtpHost !== "" && smtpStarttls && smtpSsl) {
    throw new ValidationError(
      "[smtp] smtp_starttls and smtp_ssl are both True; choose one: smtp_ssl for port 465, smtp_starttls for 587",
    );
  }
  const smtpTimeout = settings.smtpTimeout;
  if (typeof smtpTimeout !== "number" || !Number.isFinite(smtpTimeout) || smtpTimeout <= 0) {
    throw new ValidationError(
      `Expected \`smtpTimeout\` ([smtp] smtp_timeout) to be a positive number of seconds, got ${describeValue(smtpTimeout)}`,
    );
  }
  const smtpMailFrom = text("smtpMailFrom", "[smtp] smtp_mail_from").trim();
  const fromEmail = text("fromEmail", "[email] from_email").trim();
  if ((fromEmail || smtpMailFrom) === "") {
    throw new ValidationError(
      "Mail needs a sender: set [email] from_email or [smtp] smtp_mail_from, for example kitelab@example.com",
    );
  }
  const resolved: ResolvedMailSettings = {
    home,
    smtpHost,
    smtpPort: integer("smtpPort", "[smtp] smtp_port", 1),
    smtpStarttls,
    smtpSsl,
    smtpUser: text("smtpUser", "[smtp] smtp_user"),
    smtpPassword: text("smtpPassword", "[smtp] smtp_password"),
    smtpMailFrom,
    smtpTimeout,
    smtpRetryLimit: integer("smtpRetryLimit", "[smtp] smtp_retry_limit", 0),
    subjectTemplate: text("subjectTemplate", "[email] subject_template"),
    htmlContentTemplate: text("htmlContentTemplate", "[email] html_content_template"),
    fromEmail,
    statusPageUrl: text("statusPageUrl", "[webserver] base_url").trim().replace(/\/+$/, ""),
    retryBaseDelayMs: integer("retryBaseDelayMs", "retry base delay", 0, MAIL_DEFAULTS.retryBaseDelayMs),
    retryMaxDelayMs: integer("retryMaxDelayMs", "retry max delay", 0, MAIL_DEFAULTS.retryMaxDelayMs),
    queueLimit: integer("queueLimit", "queue limit", 1, MAIL_DEFAULTS.queueLimit),
  };
  if (settings.smtpTlsCa !== undefined) resolved.smtpTlsCa = text("smtpTlsCa", "a PEM certificate");
  // Not enumerable: printing or serializing the settings never shows the password.
  Object.defineProperty(resolved, "smtpPassword", { value: resolved.smtpPassword, enumerable: false });
  return resolved;
}

/** The sender every message carries. */
export function senderOf(settings: ResolvedMailSettings): string {
  return settings.fromEmail || settings.smtpMailFrom;
}

/** Where mail goes, for logs and the status page: never the password. */
export function describeTransport(settings: ResolvedMailSettings): string {
  if (settings.smtpHost === "") return `outbox (${settings.home}/outbox; no smtp_host configured)`;
  const security = settings.smtpSsl ? "TLS" : settings.smtpStarttls ? "STARTTLS" : "plain";
  const user = settings.smtpUser ? `${settings.smtpUser}@` : "";
  return `smtp://${user}${settings.smtpHost}:${settings.smtpPort} (${security})`;
}
