import type { EventEmitter } from "node:events";
import { inspect } from "node:util";
import type { OutgoingEmail } from "../dag/context.js";
import type { RunFinishedEvent, SchedulerEvents, TaskFinishedEvent } from "../scheduler/events.js";
import { readLogTail } from "./logTail.js";
import {
  alertKindFor,
  buildRunSummary,
  buildTaskAlert,
  wantsSummary,
  type LogTails,
  type MailMessage,
} from "./messages.js";
import { mailOptions } from "./compose.js";
import { checkOutgoing, describeMessage, keepValidRecipients, storeMessage } from "./outgoing.js";
import {
  describeTransport,
  resolveMailSettings,
  senderOf,
  type MailSettings,
  type ResolvedMailSettings,
} from "./settings.js";
import { createSmtpTransport, describeSmtpError, sendWithRetries, type MailTransport } from "./smtp.js";
import { loadAlertTemplates, type AlertTemplates } from "./templates.js";
import type { OutboxStatus } from "./outbox.js";

/** What happened to one message, as EmailOperator reports it. */
export interface SendResult {
  /** True only when a mail server accepted the message. */
  delivered: boolean;
  detail: string;
}

export type NotifierLog = (level: "info" | "warn" | "error", message: string) => void;

export interface NotifierOptions {
  /** The clock for Date headers and outbox file names. @default () => new Date() */
  now?: () => Date;
  /** Where the notifier reports what it did. @default lines on stderr prefixed `notify:` */
  log?: NotifierLog;
}

/** Counters for the status page. */
export interface NotifierStatus {
  /** `outbox (...)` or `smtp://user@host:port (STARTTLS)`: never the password. */
  transport: string;
  /** Waiting to be built or sent. */
  queued: number;
  /** Being sent right now (0 or 1). */
  sending: number;
  /** Accepted by the mail server. */
  sent: number;
  /** Written to the outbox because no mail server is configured. */
  written: number;
  /** Given up on after every retry; kept in `outbox/failed/`. */
  failed: number;
  /** Kept in the outbox unsent: the queue was full or Kitelab stopped first. */
  unsent: number;
  lastError?: { at: string; message: string };
}

/** The scheduler's event emitter, or anything shaped like it. */
export type NotifierEventSource = Pick<EventEmitter<SchedulerEvents>, "on" | "off">;

interface Job {
  label: string;
  build: () => Promise<MailMessage | undefined>;
  settle: (result: SendResult) => void;
  done: boolean;
}

/**
 * Sends Kitelab's mail off the scheduler's hot path. Event handlers only enqueue; one
 * background loop builds and sends, retrying with backoff; a bounded queue spills to the
 * outbox; mail that cannot be sent is kept in `outbox/failed/` with its reason. Nothing here
 * throws into the scheduler or changes a task's or run's state.
 * @example
 * const notifier = new Notifier(settings);
 * const detach = notifier.attach(scheduler.events);
 * // ... on shutdown:
 * detach(); await notifier.close();
 */
export class Notifier {
  private settings: ResolvedMailSettings;
  private readonly now: () => Date;
  private readonly log: NotifierLog;
  private readonly transport?: MailTransport;
  private readonly queue: Job[] = [];
  private active?: Job;
  private pumping = false;
  private closing = false;
  private readonly stop = new AbortController();
  private readonly background = new Set<Promise<unknown>>();
  private readonly idleWaiters: (() => void)[] = [];
  private templates?: Promise<AlertTemplates>;
  private readonly counts = { sent: 0, written: 0, failed: 0, unsent: 0 };
  private lastError?: { at: string; message: string };

  constructor(settings: MailSettings, options: NotifierOptions = {}) {
    this.settings = resolveMailSettings(settings);
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? ((level, message) => process.stderr.write(`notify: ${level}: ${message}\n`));
    if (this.settings.smtpHost !== "") this.transport = createSmtpTransport(this.settings);
  }

  /**
   * Where mail links to the status page point from now on: the web server calls this once
   * it knows the port it listens on (`--port 0` picks one).
   */
  useStatusPageUrl(url: string): void {
    this.settings = { ...this.settings, statusPageUrl: url.replace(/\/+$/, "") };
  }

  /**
   * Subscribes to `task-finished` and `run-finished`. The handlers return at once: they only
   * put work in the queue. Returns a function that unsubscribes.
   */
  attach(events: NotifierEventSource): () => void {
    const onTask = (event: TaskFinishedEvent) => this.notifyTaskFinished(event);
    const onRun = (event: RunFinishedEvent) => this.notifyRunFinished(event);
    events.on("task-finished", onTask);
    events.on("run-finished", onRun);
    return () => {
      events.off("task-finished", onTask);
      events.off("run-finished", onRun);
    };
  }

  /** Queues the task alert this attempt calls for, if any. Never throws, never waits. */
  notifyTaskFinished(event: TaskFinishedEvent): void {
    this.guard("task-finished", () => {
      const task = event.dag.tasks.find((candidate) => candidate.taskId === event.taskInstance.taskId);
      if (!task || task.email.length === 0 || !alertKindFor(event.state, task)) return;
      const snapshot = structuredClone(event);
      this.enqueue({
        label: `alert for ${event.dag.dagId}.${event.taskInstance.taskId} ${event.run.runId} [${event.state}]`,
        build: async () => {
          const problems: string[] = [];
          const message = buildTaskAlert(snapshot, {
            statusPageUrl: this.settings.statusPageUrl,
            templates: await this.alertTemplates(),
            problems,
          });
          for (const problem of problems) this.log("warn", problem);
          return message;
        },
      });
    });
  }

  /** Queues the run summary `runSummaryEmail` asks for, if any. Never throws, never waits. */
  notifyRunFinished(event: RunFinishedEvent): void {
    this.guard("run-finished", () => {
      if (!wantsSummary(event.dag.runSummaryEmail, event.run.state)) return;
      const snapshot = structuredClone(event);
      this.enqueue({
        label: `run summary of ${event.dag.dagId} ${event.run.runId}`,
        build: async () => {
          const tails = new Map<string, { lines: string[]; note: string }>();
          for (const ti of snapshot.taskInstances)
            if (ti.state === "failed") tails.set(ti.taskId, await readLogTail(ti.logPath, 20));
          return buildRunSummary(snapshot, { statusPageUrl: this.settings.statusPageUrl, logTails: tails as LogTails });
        },
      });
    });
  }

  /**
   * Sends one EmailOperator message through the queue and resolves when it was sent, written
   * to the outbox, or given up on. Bad addresses and missing attachments resolve with a
   * detail that says what to fix; nothing is sent then.
   */
  async send(message: OutgoingEmail): Promise<SendResult> {
    const checked = await checkOutgoing(message);
    if (!checked.ok) {
      this.noteError(checked.error);
      this.log("warn", checked.error);
      return { delivered: false, detail: checked.error };
    }
    return new Promise((resolve) =>
      this.enqueue({ label: describeMessage(checked.value), build: async () => checked.value, settle: resolve }),
    );
  }

  /** Counters and the last problem, for the status page. */
  status(): NotifierStatus {
    const status: NotifierStatus = {
      transport: describeTransport(this.settings),
      queued: this.queue.length,
      sending: this.active ? 1 : 0,
      ...this.counts,
    };
    if (this.lastError) status.lastError = { ...this.lastError };
    return status;
  }

  /**
   * Stops taking work and waits up to `timeoutMs` for the queue to drain. Whatever is still
   * waiting then is kept in the outbox as unsent, with the reason.
   */
  async close(timeoutMs = 10_000): Promise<void> {
    this.closing = true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.idle().then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.stop.abort();
      const left = [...(this.active ? [this.active] : []), ...this.queue.splice(0)];
      for (const job of left)
        this.spill(job, `Kitelab stopped before this email was sent (it waited ${timeoutMs} ms for the mail queue)`);
      await this.settled();
    }
    this.transport?.close();
  }

  /** What `console.log(notifier)` shows: the transport and counters, never the password. */
  [inspect.custom](): string {
    return `Notifier ${inspect(this.status())}`;
  }

  toJSON(): NotifierStatus {
    return this.status();
  }

  private guard(what: string, work: () => void): void {
    try {
      work();
    } catch (error) {
      this.log("error", `could not queue mail for a ${what} event: ${(error as Error).message}`);
    }
  }

  private enqueue(job: Omit<Job, "done" | "settle"> & { settle?: Job["settle"] }): void {
    const full: Job = { settle: () => {}, ...job, done: false };
    if (this.closing) return this.spill(full, "Kitelab was stopping when this email was queued");
    if (this.queue.length >= this.settings.queueLimit) {
      return this.spill(
        full,
        `the mail queue was full (${this.settings.queueLimit} messages waiting); kept here instead of being sent`,
      );
    }
    this.queue.push(full);
    if (!this.pumping) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      for (let job = this.queue.shift(); job; job = this.queue.shift()) {
        this.active = job;
        await this.process(job).catch((error: unknown) => {
          this.noteError(`${job!.label}: ${(error as Error).message}`);
          this.log("error", `${job!.label}: ${(error as Error).message}`);
          this.finish(job!, {
            delivered: false,
            detail: `Could not handle ${job!.label}: ${(error as Error).message}`,
          });
        });
        this.active = undefined;
      }
    } finally {
      this.pumping = false;
      this.checkIdle();
    }
  }

  private async process(job: Job): Promise<void> {
    const built = await job.build();
    if (!built) return this.finish(job, { delivered: false, detail: "nothing to send" });
    const { message, dropped } = keepValidRecipients(built);
    for (const problem of dropped) this.log("warn", `${job.label}: ${problem}; no mail goes to it`);
    if (message.to.length + message.cc.length + message.bcc.length === 0) {
      const detail = `${job.label}: no valid recipient left; nothing was sent`;
      this.noteError(detail);
      return this.finish(job, { delivered: false, detail });
    }
    const from = senderOf(this.settings);
    if (!this.transport) {
      const { path } = await storeMessage(this.settings.home, message, { from, now: this.now(), status: "written" });
      this.counts.written += 1;
      this.log("info", `no smtp_host configured: ${describeMessage(message)} written to ${path}`);
      return this.finish(job, {
        delivered: false,
        detail: `No smtp_host is configured: ${describeMessage(message)} was written to the outbox: ${path}`,
      });
    }
    const outcome = await sendWithRetries(this.transport, mailOptions(message, from, this.now()), {
      retryLimit: this.settings.smtpRetryLimit,
      baseDelayMs: this.settings.retryBaseDelayMs,
      maxDelayMs: this.settings.retryMaxDelayMs,
      secret: this.settings.smtpPassword,
      signal: this.stop.signal,
      onAttemptFailed: (attempt, reason, willRetry) => {
        this.noteError(`${describeMessage(message)}: ${reason}`);
        this.log(
          willRetry ? "warn" : "error",
          `${describeMessage(message)}: attempt ${attempt} failed (${reason})${willRetry ? "; retrying" : ""}`,
        );
      },
    });
    if (job.done) return;
    if (outcome.ok) {
      this.counts.sent += 1;
      this.log("info", `sent ${describeMessage(message)} via ${describeTransport(this.settings)}`);
      return this.finish(job, {
        delivered: true,
        detail: `Sent ${describeMessage(message)} via ${describeTransport(this.settings)}: ${outcome.response}`,
      });
    }
    const reason = `not sent after ${outcome.attempts} attempt${outcome.attempts === 1 ? "" : "s"}: ${outcome.reason}`;
    const path = await this.keep(message, "failed", reason);
    this.finish(job, {
      delivered: false,
      detail: `Could not send ${describeMessage(message)}: ${reason}.${path ? ` Kept in ${path}` : ""}`,
    });
  }

  /** Keeps a message in the outbox (or outbox/failed/) with the reason; never throws. */
  private async keep(
    message: MailMessage,
    status: Exclude<OutboxStatus, "written">,
    reason: string,
  ): Promise<string | undefined> {
    try {
      const { path } = await storeMessage(this.settings.home, message, {
        from: senderOf(this.settings),
        now: this.now(),
        status,
        reason,
      });
      this.counts[status] += 1;
      this.log(status === "failed" ? "error" : "warn", `${describeMessage(message)} ${reason}; kept in ${path}`);
      return path;
    } catch (error) {
      const problem = `could not keep ${describeMessage(message)} in the outbox: ${describeSmtpError(error, this.settings.smtpPassword)}`;
      this.noteError(problem);
      this.log("error", problem);
      return undefined;
    }
  }

  /** Writes a job's message to the outbox as unsent, in the background. */
  private spill(job: Job, reason: string): void {
    if (job.done) return;
    job.done = true;
    const work = (async () => {
      const message = await job.build().catch((error: unknown) => {
        this.log("error", `${job.label}: ${(error as Error).message}`);
        return undefined;
      });
      if (!message) return job.settle({ delivered: false, detail: `${job.label}: ${reason}` });
      const path = await this.keep(message, "unsent", reason);
      job.settle({
        delivered: false,
        detail: `${describeMessage(message)} was not sent: ${reason}.${path ? ` Kept in ${path}` : ""}`,
      });
    })();
    this.background.add(work);
    void work.finally(() => {
      this.background.delete(work);
      this.checkIdle();
    });
  }

  private finish(job: Job, result: SendResult): void {
    if (job.done) return;
    job.done = true;
    job.settle(result);
  }

  private alertTemplates(): Promise<AlertTemplates> {
    this.templates ??= loadAlertTemplates(this.settings).then(({ templates, problems }) => {
      for (const problem of problems) {
        this.noteError(problem);
        this.log("error", problem);
      }
      return templates;
    });
    return this.templates;
  }

  private noteError(message: string): void {
    this.lastError = { at: this.now().toISOString(), message };
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    });
  }

  private async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  private checkIdle(): void {
    if (this.queue.length > 0 || this.active || this.pumping || this.background.size > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
