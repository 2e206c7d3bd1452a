import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Notifier,
  createOutboxOnlyMailService,
  headerValue,
  listOutbox,
  outboxDir,
  parseMail,
  readOutboxMessage,
} from "../src/notify/index.js";
import {
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

const homes: string[] = [];
function home(): string {
  const dir = mkdtempSync(join(tmpdir(), "kitelab-outbox-"));
  homes.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of homes.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const FIXED_NOW = () => new Date("2024-03-01T10:05:00.000Z");

describe("with no smtp_host (the default), mail lands in $KITELAB_HOME/outbox/", () => {
  it("a failure alert becomes one standard .eml with From, To, Subject, Date, Message-ID and the HTML body", async () => {
    const dir = home();
    const events = schedulerLikeEvents();
    const notifier = new Notifier(outboxSettings(dir), { now: FIXED_NOW, log: recordingLog().log });
    notifier.attach(events);
    const dag = dagOf("etl", [task("extract", { email: ["teacher@example.com", "ta@example.com"] })]);
    events.emit("task-finished", taskFinished(dag, "extract", "failed", { ti: { tryNumber: 3 } }));
    await notifier.close();

    const files = readdirSync(outboxDir(dir));
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^20240301T100500000Z-\d{6}-[0-9a-f]{6}\.eml$/);
    const raw = (await readOutboxMessage(dir, files[0]!.slice(0, -4)))!;
    const head = raw.slice(0, raw.indexOf("\r\n\r\n"));
    for (const header of [
      "From: kitelab@example.com",
      "To: teacher@example.com, ta@example.com",
      "MIME-Version: 1.0",
      "Date: Fri, 01 Mar 2024 10:05:00 +0000",
    ]) {
      assert.ok(head.split("\r\n").includes(header), `missing ${header} in\n${head}`);
    }
    assert.match(head, /^Message-ID: <[^>]+>$/m);
    const mail = await parseMail(raw);
    assert.equal(headerValue(mail, "subject"), `Kitelab alert: <TaskInstance: etl.extract ${RUN_ID} [failed]>`);
    assert.match(mail.html ?? "", /Try 3 out of 3/);
    assert.deepEqual(notifier.status(), {
      transport: `outbox (${dir}/outbox; no smtp_host configured)`,
      queued: 0,
      sending: 0,
      sent: 0,
      written: 1,
      failed: 0,
      unsent: 0,
    });
  });

  it("listOutbox shows id, subject, recipients, date, status and kind, newest first; readOutboxMessage opens each", async () => {
    const dir = home();
    const notifier = new Notifier(outboxSettings(dir), { log: recordingLog().log });
    const dag = dagOf("lab2", [task("train")], { runSummaryEmail: { to: ["student@example.com"], when: "both" } });
    notifier.notifyTaskFinished(
      taskFinished(dagOf("etl", [task("extract", { email: ["teacher@example.com"] })]), "extract", "up_for_retry"),
    );
    notifier.notifyRunFinished(runFinished(dag, "success", [taskInstance("lab2", "train")]));
    await notifier.close();

    const entries = await listOutbox(dir);
    assert.equal(entries.length, 2);
    assert.deepEqual(
      entries.map((entry) => [entry.kind, entry.status, entry.to]),
      [
        ["run-summary", "written", ["student@example.com"]],
        ["task-alert", "written", ["teacher@example.com"]],
      ],
    );
    assert.equal(entries[0]!.subject, `Kitelab run succeeded: lab2 ${RUN_ID}`);
    assert.ok(entries[0]!.id > entries[1]!.id, "ids sort in the order the messages were written");
    assert.match(entries[0]!.date, /^\d{4}-\d\d-\d\dT/);
    for (const entry of entries)
      assert.equal(headerValue(await parseMail((await readOutboxMessage(dir, entry.id))!), "subject"), entry.subject);
  });

  it("no temporary files are left behind, and an empty or missing outbox lists nothing", async () => {
    const dir = home();
    assert.deepEqual(await listOutbox(dir), []);
    const send = createOutboxOnlyMailService(dir);
    await send({ to: ["a@example.com"], cc: [], bcc: [], subject: "one", html: "<p>1</p>", attachments: [] });
    assert.deepEqual(
      readdirSync(outboxDir(dir)).filter((name) => !name.endsWith(".eml")),
      [],
    );
  });

  it("readOutboxMessage refuses path traversal and answers undefined for an unknown id", async () => {
    const dir = home();
    writeFileSync(join(dir, "secret.eml"), "not yours");
    for (const id of ["../secret", "..", "failed/../../secret", "a/b", "/etc/passwd", ".hidden", ""]) {
      await assert.rejects(
        readOutboxMessage(dir, id),
        /Expected an outbox message id such as "20240101T102030123Z-000001-9f3a1c"/,
        id,
      );
    }
    assert.equal(await readOutboxMessage(dir, "20240101T000000000Z-000001-abcdef"), undefined);
  });
});

describe("createOutboxOnlyMailService (dag.test() in a notebook)", () => {
  it("writes an EmailOperator message with cc, bcc and an attachment the DAG wrote, and says where", async () => {
    const dir = home();
    const report = join(dir, "evaluation_report.html");
    writeFileSync(report, "<h1>accuracy 0.97</h1>");
    const send = createOutboxOnlyMailService(dir, { from: "lab@example.com" });
    const result = await send({
      to: ["student@example.com"],
      cc: ["ta@example.com"],
      bcc: ["teacher@example.com"],
      subject: "Pipeline done",
      html: "<p>ok</p>",
      attachments: [{ filename: "evaluation_report.html", path: report }],
    });
    assert.equal(result.delivered, false);
    assert.match(
      result.detail,
      /dag\.test\(\) does not send mail: "Pipeline done" to student@example.com, ta@example.com, teacher@example.com was written to the outbox: .*\.eml$/,
    );
    const [entry] = await listOutbox(dir);
    const mail = await parseMail((await readOutboxMessage(dir, entry!.id))!);
    assert.equal(headerValue(mail, "from"), "lab@example.com");
    assert.equal(
      headerValue(mail, "bcc"),
      "teacher@example.com",
      "the outbox copy keeps Bcc: it is the only record of it",
    );
    assert.deepEqual(
      mail.attachments.map((file) => [file.filename, file.content.toString()]),
      [["evaluation_report.html", "<h1>accuracy 0.97</h1>"]],
    );
  });

  it("a missing attachment is a clear error in the detail, and nothing is written", async () => {
    const dir = home();
    const send = createOutboxOnlyMailService(dir);
    const result = await send({
      to: ["student@example.com"],
      cc: [],
      bcc: [],
      subject: "Report",
      html: "",
      attachments: [{ filename: "report.html", path: join(dir, "report.html") }],
    });
    assert.equal(result.delivered, false);
    assert.match(
      result.detail,
      /Cannot send "Report": the attachment report\.html was not found at .*report\.html; write it in an upstream task or fix the path\. Nothing was sent/,
    );
    assert.deepEqual(await listOutbox(dir), []);
  });
});

describe("the queue is bounded", () => {
  it("when it is full, a new message goes to the outbox as unsent, with the reason", async () => {
    const dir = home();
    const notifier = new Notifier(outboxSettings(dir, { queueLimit: 1 }), { log: recordingLog().log });
    const dag = dagOf(
      "etl",
      ["a", "b", "c"].map((id) => task(id, { email: ["t@example.com"] })),
    );
    for (const id of ["a", "b", "c"]) notifier.notifyTaskFinished(taskFinished(dag, id, "failed"));
    await notifier.close();
    const entries = await listOutbox(dir);
    assert.deepEqual(entries.map((entry) => entry.status).sort(), ["unsent", "written", "written"]);
    assert.match(
      entries.find((entry) => entry.status === "unsent")!.reason ?? "",
      /the mail queue was full \(1 messages waiting\)/,
    );
    assert.equal(notifier.status().unsent, 1);
  });
});
