import { describe, it, before, afterEach } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import {
  Notifier,
  createMailService,
  failedDir,
  headerValue,
  listOutbox,
  parseMail,
  readOutboxMessage,
  type MailSettings,
} from "../src/notify/index.js";
import type { TaskFinishedEvent } from "../src/scheduler/scheduler.js";
import {
  LAB2_TASKS,
  dagOf,
  outboxSettings,
  recordingLog,
  RUN_ID,
  runFinished,
  schedulerLikeEvents,
  task,
  taskFinished,
  taskInstance,
} from "./fixtures/notify/events.js";
import {
  closedPort,
  selfSignedCertificate,
  startTestServer,
  type TestServer,
} from "./fixtures/notify/smtpTestServer.js";

const TEMPLATES = fileURLToPath(new URL("./fixtures/notify/templates/", import.meta.url));
const USER = "kitelab";
const PASSWORD = "s3cret-Pa55word";
let certificate: { key: string; cert: string };
const cleanups: (() => Promise<void> | void)[] = [];

before(() => {
  certificate = selfSignedCertificate();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(options: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const started = await startTestServer(options);
  cleanups.push(() => started.close());
  return started;
}

function home(): string {
  const dir = mkdtempSync(join(tmpdir(), "kitelab-smtp-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** STARTTLS on a loopback port with AUTH, trusting the test certificate. */
function smtpSettings(dir: string, port: number, overrides: Partial<MailSettings> = {}): MailSettings {
  return outboxSettings(dir, {
    smtpHost: "127.0.0.1",
    smtpPort: port,
    smtpUser: USER,
    smtpPassword: PASSWORD,
    smtpTlsCa: certificate.cert,
    ...overrides,
  });
}

function notifierFor(settings: MailSettings) {
  const recorded = recordingLog();
  const notifier = new Notifier(settings, { log: recorded.log });
  cleanups.push(() => notifier.close(1000));
  return { notifier, lines: recorded.lines };
}

/** Waits for a condition, checking every few milliseconds. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

function headerBlock(raw: string): string[] {
  return raw.slice(0, raw.indexOf("\r\n\r\n")).split("\r\n");
}

describe("task alerts over SMTP with STARTTLS and AUTH", () => {
  it("one message per event that asks for one, to the task's email list; none for tasks without email or with the flag off", async () => {
    const smtp = await server({ tls: certificate, auth: { user: USER, password: PASSWORD, methods: ["PLAIN"] } });
    const { notifier } = notifierFor(smtpSettings(home(), smtp.port));
    const events = schedulerLikeEvents();
    notifier.attach(events);
    const dag = dagOf("etl", [
      task("extract", { email: ["teacher@example.com"] }),
      task("transform"),
      task("load", { email: ["teacher@example.com", "ta@example.com"], emailOnFailure: false }),
      task("validate", { email: ["ta@example.com"] }),
      task("report", { email: ["student@example.com"], emailOnSuccess: true }),
      task("cleanup", { email: ["student@example.com"] }),
    ]);
    events.emit("task-finished", taskFinished(dag, "extract", "failed", { ti: { tryNumber: 3 } }));
    events.emit("task-finished", taskFinished(dag, "transform", "failed"));
    events.emit("task-finished", taskFinished(dag, "load", "failed"));
    events.emit("task-finished", taskFinished(dag, "validate", "up_for_retry"));
    events.emit("task-finished", taskFinished(dag, "report", "success"));
    events.emit("task-finished", taskFinished(dag, "cleanup", "success"));
    await notifier.close();

    assert.equal(smtp.received.length, 3);
    const byRecipient = new Map(smtp.received.map((mail) => [mail.rcptTo.join(","), mail]));
    assert.deepEqual([...byRecipient.keys()].sort(), ["student@example.com", "ta@example.com", "teacher@example.com"]);
    const failure = byRecipient.get("teacher@example.com")!;
    assert.equal(failure.mailFrom, "kitelab@example.com");
    assert.equal(
      headerValue(failure.parsed, "subject"),
      `Kitelab alert: <TaskInstance: etl.extract ${RUN_ID} [failed]>`,
    );
    assert.match(failure.parsed.html ?? "", /Try 3 out of 3<br>/);
    assert.match(failure.parsed.html ?? "", /ValueError: the input file is empty/);
    assert.match(
      failure.parsed.text ?? "",
      /Try 3 out of 3\r?\n/,
      "the plain-text alternative arrived over the wire too",
    );
    assert.match(
      failure.parsed.html ?? "",
      /http:\/\/localhost:8080\/dags\/etl\/runs\/manual__2024-03-01T10%3A00%3A00%2B00%3A00\/tasks\/extract\/logs\/3/,
    );
    assert.match(
      headerValue(byRecipient.get("ta@example.com")!.parsed, "subject") ?? "",
      /etl\.validate .*\[up_for_retry\]>$/,
    );
    assert.match(
      headerValue(byRecipient.get("student@example.com")!.parsed, "subject") ?? "",
      /etl\.report .*\[success\]>$/,
    );
    for (const mail of smtp.received) {
      assert.equal(mail.secure, true, "the connection was upgraded with STARTTLS");
      assert.equal(mail.user, USER);
    }
    assert.equal(notifier.status().sent, 3);
  });

  it("a template that renders a param with a newline into the subject adds no header and no recipient", async () => {
    const smtp = await server({ tls: certificate, auth: { user: USER, password: PASSWORD, methods: ["PLAIN"] } });
    const { notifier } = notifierFor(
      smtpSettings(home(), smtp.port, { subjectTemplate: join(TEMPLATES, "subject.hbs") }),
    );
    const dag = dagOf("etl", [task("extract", { email: ["teacher@example.com"] })]);
    const title = "Weekly\r\nBcc: attacker@evil.example\r\nX-Injected: yes";
    notifier.notifyTaskFinished(taskFinished(dag, "extract", "failed", { run: { conf: { title } } }));
    await notifier.close();

    const [mail] = smtp.received;
    assert.ok(mail);
    assert.deepEqual(mail.rcptTo, ["teacher@example.com"]);
    assert.deepEqual(
      headerBlock(mail.raw).filter((line) => /^(bcc|x-injected):/i.test(line)),
      [],
    );
    assert.equal(
      headerValue(mail.parsed, "subject"),
      "[etl] extract failure (try 1): Weekly Bcc: attacker@evil.example X-Injected: yes",
    );
  });
});

describe("EmailOperator messages (createMailService)", () => {
  it("over implicit TLS with AUTH LOGIN: to, cc, bcc, templated subject and body, and an attachment the DAG wrote", async () => {
    const smtp = await server({
      implicitTls: true,
      tls: certificate,
      auth: { user: USER, password: PASSWORD, methods: ["LOGIN"] },
    });
    const dir = home();
    const { notifier } = notifierFor(
      smtpSettings(dir, smtp.port, { smtpSsl: true, smtpStarttls: false, fromEmail: "lab2@example.com" }),
    );
    const report = join(dir, "evaluation_report.html");
    writeFileSync(report, "<h1>Accuracy: 0.97</h1>\n");
    const sendEmail = createMailService(notifier);
    const result = await sendEmail({
      to: ["student@example.com"],
      cc: ["ta@example.com"],
      bcc: ["teacher@example.com"],
      subject: "Pipeline lab2 finished for 2024-03-01",
      html: "<p>The model is trained.</p>",
      attachments: [{ filename: "evaluation_report.html", path: report }],
    });
    assert.equal(result.delivered, true, result.detail);
    assert.match(
      result.detail,
      /^Sent "Pipeline lab2 finished for 2024-03-01" to student@example.com, ta@example.com, teacher@example.com via smtp:\/\/kitelab@127\.0\.0\.1:\d+ \(TLS\): 250/,
    );

    const [mail] = smtp.received;
    assert.ok(mail);
    assert.equal(mail.secure, true);
    assert.equal(mail.mailFrom, "lab2@example.com");
    assert.deepEqual(mail.rcptTo.sort(), ["student@example.com", "ta@example.com", "teacher@example.com"]);
    assert.equal(headerValue(mail.parsed, "to"), "student@example.com");
    assert.equal(headerValue(mail.parsed, "cc"), "ta@example.com");
    assert.equal(headerValue(mail.parsed, "bcc"), undefined, "Bcc recipients are not shown to the others");
    assert.equal(headerValue(mail.parsed, "subject"), "Pipeline lab2 finished for 2024-03-01");
    // postal-mime keeps the line break that ends a part before its boundary.
    assert.equal(mail.parsed.html?.trimEnd(), "<p>The model is trained.</p>");
    assert.deepEqual(
      mail.parsed.attachments.map((file) => [file.filename, file.content.toString()]),
      [["evaluation_report.html", "<h1>Accuracy: 0.97</h1>\n"]],
    );
  });

  it("a newline in the subject is collapsed: no header is added", async () => {
    const smtp = await server({ tls: certificate, auth: { user: USER, password: PASSWORD, methods: ["PLAIN"] } });
    const { notifier } = notifierFor(smtpSettings(home(), smtp.port));
    const result = await notifier.send({
      to: ["student@example.com"],
      cc: [],
      bcc: [],
      subject: "Report\nBcc: attacker@evil.example",
      html: "",
      attachments: [],
    });
    assert.equal(result.delivered, true, result.detail);
    const [mail] = smtp.received;
    assert.deepEqual(mail!.rcptTo, ["student@example.com"]);
    assert.deepEqual(
      headerBlock(mail!.raw).filter((line) => /^bcc:/i.test(line)),
      [],
    );
    assert.equal(headerValue(mail!.parsed, "subject"), "Report Bcc: attacker@evil.example");
  });

  it("a plain server without TLS or AUTH, with smtp_starttls = False", async () => {
    const smtp = await server({});
    const { notifier } = notifierFor(
      smtpSettings(home(), smtp.port, { smtpStarttls: false, smtpUser: "", smtpPassword: "" }),
    );
    const result = await notifier.send({
      to: ["student@example.com"],
      cc: [],
      bcc: [],
      subject: "hello",
      html: "<p>hi</p>",
      attachments: [],
    });
    assert.equal(result.delivered, true, result.detail);
    assert.equal(smtp.received[0]!.secure, false);
  });
});

describe("bad addresses and refusals: a clear reason, nothing crashes", () => {
  it("an address that is not one is refused before any connection, naming it", async () => {
    const smtp = await server({ tls: certificate, auth: { user: USER, password: PASSWORD, methods: ["PLAIN"] } });
    const { notifier } = notifierFor(smtpSettings(home(), smtp.port));
    const result = await notifier.send({
      to: ["student@example.com"],
      cc: ["not an address"],
      bcc: [],
      subject: "Report",
      html: "",
      attachments: [],
    });
    assert.deepEqual(result, {
      delivered: false,
      detail:
        'Cannot send "Report": "not an address" is not an email address such as "student@example.com" (in `cc`); fix the address, nothing was sent',
    });
    assert.equal(smtp.connections(), 0);
    assert.match(notifier.status().lastError?.message ?? "", /not an address/);
  });

  it("a run summary with one bad address still reaches the good one, and the bad one is reported", async () => {
    const smtp = await server({ tls: certificate, auth: { user: USER, password: PASSWORD, methods: ["PLAIN"] } });
    const { notifier, lines } = notifierFor(smtpSettings(home(), smtp.port));
    const dag = dagOf("lab2", [task("train")], {
      runSummaryEmail: { to: ["student@", "student@example.com"], when: "both" },
    });
    notifier.notifyRunFinished(runFinished(dag, "success", [taskInstance("lab2", "train")]));
    await notifier.close();
    assert.deepEqual(
      smtp.received.map((mail) => mail.rcptTo),
      [["student@example.com"]],
    );
    assert.ok(
      lines.some((line) =>
        /^warn: run summary of lab2 .*"student@" is not an email address.*no mail goes to it/.test(line),
      ),
      lines.join("\n"),
    );
  });

  it("a recipient the server refuses (550) is not retried and the message is kept in outbox/failed with the reason", async () => {
    const smtp = await server({
      tls: certificate,
      auth: { user: USER, password: PASSWORD, methods: ["PLAIN"] },
      onRcptTo: async () => ({ code: 550, message: "No such user here" }),
    });
    const dir = home();
    const { notifier } = notifierFor(smtpSettings(dir, smtp.port, { smtpRetryLimit: 3 }));
    const result = await notifier.send({
      to: ["nobody@example.com"],
      cc: [],
      bcc: [],
      subject: "Report",
      html: "",
      attachments: [],
    });
    assert.equal(result.delivered, false);
    assert.match(
      result.detail,
      /^Could not send "Report" to nobody@example.com: not sent after 1 attempt: .*550 No such user here.*\. Kept in .*outbox\/failed\/.*\.eml$/,
    );
    assert.equal(smtp.connections(), 1);
    const [entry] = await listOutbox(dir);
    assert.equal(entry?.status, "failed");
    assert.match(entry?.reason ?? "", /550 No such user here/);
  });

  it("a wrong password fails once, clearly, and the password appears in no detail, log line or status", async () => {
    const smtp = await server({
      tls: certificate,
      auth: { user: USER, password: "the-right-one", methods: ["PLAIN"] },
    });
    const dir = home();
    const { notifier, lines } = notifierFor(smtpSettings(dir, smtp.port));
    const result = await notifier.send({
      to: ["student@example.com"],
      cc: [],
      bcc: [],
      subject: "Report",
      html: "",
      attachments: [],
    });
    assert.equal(result.delivered, false);
    assert.match(result.detail, /not sent after 1 attempt: .*535/);
    const everything = [
      result.detail,
      ...lines,
      JSON.stringify(notifier.status()),
      ...(await Promise.all((await listOutbox(dir)).map((entry) => readOutboxMessage(dir, entry.id)))),
    ].join("\n");
    assert.doesNotMatch(everything, new RegExp(PASSWORD));
    assert.doesNotMatch(
      inspect(notifier, { depth: 10, showHidden: false }) + JSON.stringify(notifier),
      new RegExp(PASSWORD),
    );
    assert.doesNotMatch(everything, new RegExp(Buffer.from(`\0${USER}\0${PASSWORD}`).toString("base64").slice(0, 16)));
  });

  it("smtp_starttls = True against a server that offers no STARTTLS: nothing goes out in the clear", async () => {
    const smtp = await server({});
    const { notifier } = notifierFor(
      smtpSettings(home(), smtp.port, { smtpUser: "", smtpPassword: "", smtpRetryLimit: 0 }),
    );
    const result = await notifier.send({
      to: ["student@example.com"],
      cc: [],
      bcc: [],
      subject: "Report",
      html: "",
      attachments: [],
    });
    assert.equal(result.delivered, false);
    assert.match(result.detail, /not sent after 1 attempt: .*(SSL|TLS)/);
    assert.equal(smtp.received.length, 0);
  });
});

describe("a mail server that is down or slow never blocks or breaks orchestration", () => {
  it("server down: the event handler returns at once, the message is retried with backoff and kept in outbox/failed", async () => {
    const dir = home();
    const { notifier, lines } = notifierFor(smtpSettings(dir, await closedPort(), { smtpRetryLimit: 2 }));
    const events = schedulerLikeEvents();
    notifier.attach(events);
    const dag = dagOf("etl", [task("extract", { email: ["teacher@example.com"] })]);

    const [listener] = events.listeners("task-finished") as ((event: TaskFinishedEvent) => unknown)[];
    const returned = listener!(taskFinished(dag, "extract", "failed"));
    assert.equal(returned, undefined, "the handler returns nothing to await");
    const right = notifier.status();
    assert.equal(right.queued + right.sending, 1, "the message waits in the background queue");
    assert.equal(right.sent + right.failed, 0, "no attempt was made before the handler returned");

    await notifier.close(5000);
    const status = notifier.status();
    assert.equal(status.failed, 1);
    assert.match(status.lastError?.message ?? "", /ECONNREFUSED/);
    assert.equal(
      lines.filter((line) => /attempt \d failed .*ECONNREFUSED.*; retrying$/.test(line)).length,
      2,
      lines.join("\n"),
    );
    const kept = readdirSync(failedDir(dir));
    assert.equal(kept.length, 1);
    const mail = await parseMail((await readOutboxMessage(dir, kept[0]!.slice(0, -4)))!);
    assert.match(headerValue(mail, "x-kitelab-reason") ?? "", /^not sent after 3 attempts: .*ECONNREFUSED/);
    assert.match(headerValue(mail, "subject") ?? "", /^Kitelab alert: <TaskInstance: etl\.extract/);
  });

  it("a handler never throws into the scheduler, even for a malformed event", () => {
    const { notifier, lines } = notifierFor(outboxSettings(home()));
    const events = schedulerLikeEvents();
    notifier.attach(events);
    assert.doesNotThrow(() => events.emit("task-finished", { dag: {} } as unknown as TaskFinishedEvent));
    assert.match(lines.join("\n"), /error: could not queue mail for a task-finished event/);
  });

  it("a server that refuses the first connection (421) gets the message on a retry, once", async () => {
    const smtp = await server({
      tls: certificate,
      auth: { user: USER, password: PASSWORD, methods: ["PLAIN"] },
      onConnect: (n) => (n === 1 ? { code: 421, message: "Too busy, try later" } : undefined),
    });
    const { notifier } = notifierFor(smtpSettings(home(), smtp.port));
    const result = await notifier.send({
      to: ["student@example.com"],
      cc: [],
      bcc: [],
      subject: "Report",
      html: "",
      attachments: [],
    });
    assert.equal(result.delivered, true, result.detail);
    assert.equal(smtp.connections(), 2);
    assert.equal(smtp.received.length, 1);
  });

  it("a server answering past smtp_timeout: the attempt is abandoned and retried; one message arrives", async () => {
    let release: () => void = () => {};
    const stalled = new Promise<undefined>((resolve) => (release = () => resolve(undefined)));
    cleanups.push(() => release());
    const smtp = await server({
      tls: certificate,
      auth: { user: USER, password: PASSWORD, methods: ["PLAIN"] },
      onRcptTo: (_address, connection) => (connection === 1 ? stalled : undefined),
    });
    const { notifier, lines } = notifierFor(smtpSettings(home(), smtp.port, { smtpTimeout: 1 }));
    const result = await notifier.send({
      to: ["student@example.com"],
      cc: [],
      bcc: [],
      subject: "Report",
      html: "",
      attachments: [],
    });
    assert.equal(result.delivered, true, result.detail);
    assert.ok(
      lines.some((line) => /attempt 1 failed \(.*(timeout|timed out).*\); retrying/i.test(line)),
      lines.join("\n"),
    );
    assert.equal(smtp.received.length, 1);
  });

  it("close() waits a bounded time; what is still unsent is kept in the outbox with the reason", async () => {
    let release: () => void = () => {};
    const stalled = new Promise<undefined>((resolve) => (release = () => resolve(undefined)));
    cleanups.push(() => release());
    const smtp = await server({
      tls: certificate,
      auth: { user: USER, password: PASSWORD, methods: ["PLAIN"] },
      onRcptTo: () => stalled,
    });
    const dir = home();
    const notifier = new Notifier(smtpSettings(dir, smtp.port, { smtpTimeout: 30 }), { log: recordingLog().log });
    const pending = notifier.send({
      to: ["student@example.com"],
      cc: [],
      bcc: [],
      subject: "Report",
      html: "",
      attachments: [],
    });
    await until(() => notifier.status().sending === 1);
    const dag = dagOf("etl", [task("extract", { email: ["teacher@example.com"] })]);
    notifier.notifyTaskFinished(taskFinished(dag, "extract", "failed"));
    await notifier.close(200);
    const result = await pending;
    assert.equal(result.delivered, false);
    assert.match(result.detail, /was not sent: Kitelab stopped before this email was sent/);
    const entries = await listOutbox(dir);
    assert.deepEqual(
      entries.map((entry) => entry.status),
      ["unsent", "unsent"],
    );
    assert.equal(notifier.status().unsent, 2);
  });
});

describe("lab 2: the ML pipeline's completion mail reaches the server", () => {
  it("seven tasks succeed, the EmailOperator step attaches the evaluation report, and exactly one run summary lists every task", async () => {
    const smtp = await server({ tls: certificate, auth: { user: USER, password: PASSWORD, methods: ["PLAIN"] } });
    const dir = home();
    const { notifier } = notifierFor(smtpSettings(dir, smtp.port));
    const events = schedulerLikeEvents();
    notifier.attach(events);
    const dag = dagOf(
      "lab2_ml_pipeline",
      LAB2_TASKS.map((id) => task(id, { operator: id === "send_success_email" ? "EmailOperator" : "FunctionTask" })),
      {
        runSummaryEmail: { to: ["student@example.com"], when: "success" },
      },
    );
    const report = join(dir, "evaluation_report.txt");
    writeFileSync(report, "accuracy=0.96\n");
    const instances = LAB2_TASKS.map((id, index) => taskInstance(dag.dagId, id, { durationMs: 400 * (index + 1) }));
    for (const ti of instances) {
      if (ti.taskId === "send_success_email") {
        const sent = await createMailService(notifier)({
          to: ["student@example.com"],
          cc: [],
          bcc: [],
          subject: "Lab 2 pipeline succeeded",
          html: "<p>See the report.</p>",
          attachments: [{ filename: "evaluation_report.txt", path: report }],
        });
        assert.equal(sent.delivered, true, sent.detail);
      }
      events.emit("task-finished", {
        dag,
        run: { ...taskFinished(dag, ti.taskId, "success").run },
        taskInstance: ti,
        state: "success",
      });
    }
    events.emit("run-finished", runFinished(dag, "success", instances));
    await notifier.close();

    assert.equal(smtp.received.length, 2);
    const summaries = smtp.received.filter((mail) =>
      /^Kitelab run succeeded: lab2_ml_pipeline /.test(headerValue(mail.parsed, "subject") ?? ""),
    );
    assert.equal(summaries.length, 1);
    const html = summaries[0]!.parsed.html ?? "";
    for (const id of LAB2_TASKS) assert.match(html, new RegExp(`<tr><td>${id}</td><td>success</td>`));
    assert.match(html, /href="http:\/\/localhost:8080\/success"/);
    const operatorMail = smtp.received.find(
      (mail) => headerValue(mail.parsed, "subject") === "Lab 2 pipeline succeeded",
    );
    assert.deepEqual(
      operatorMail?.parsed.attachments.map((file) => file.content.toString()),
      ["accuracy=0.96\n"],
    );
  });
});
