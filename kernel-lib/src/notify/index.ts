/**
 * Kitelab's mail: task alerts and run summaries from scheduler events, EmailOperator
 * messages, SMTP with retries, and the outbox (`$KITELAB_HOME/outbox/`) when no server is set.
 */
export {
  Notifier,
  type NotifierEventSource,
  type NotifierLog,
  type NotifierOptions,
  type NotifierStatus,
  type SendResult,
} from "./notifier.js";
export { createMailService, createOutboxOnlyMailService } from "./mailService.js";
export {
  resolveMailSettings,
  describeTransport,
  MAIL_DEFAULTS,
  type MailSettings,
  type ResolvedMailSettings,
} from "./settings.js";
export { listOutbox, readOutboxMessage, outboxDir, failedDir, type OutboxEntry, type OutboxStatus } from "./outbox.js";
export {
  alertKindFor,
  alertContext,
  buildTaskAlert,
  buildRunSummary,
  summaryContext,
  wantsSummary,
  type MailMessage,
  type LogTails,
} from "./messages.js";
export {
  loadAlertTemplates,
  DEFAULT_SUBJECT_TEMPLATE,
  DEFAULT_HTML_TEMPLATE,
  type AlertKind,
  type AlertTemplateContext,
  type AlertTemplates,
  type RunSummaryContext,
} from "./templates.js";
export { readLogTail } from "./logTail.js";
export { parseMail, headerValue, addressesIn, type ParsedMail } from "./mime.js";
export { composeRaw, mailOptions } from "./compose.js";
export { headerSafe, escapeHtml, addressProblem, htmlToText } from "./text.js";
export { backoffDelay, isPermanentFailure } from "./smtp.js";
