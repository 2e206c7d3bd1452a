import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import fc from "fast-check";
import {
  buildRunSummary,
  buildTaskAlert,
  escapeHtml,
  headerSafe,
  loadAlertTemplates,
  readLogTail,
  resolveMailSettings,
  wantsSummary,
  backoffDelay,
  addressProblem,
  composeRaw,
  htmlToText,
  mailOptions,
  parseMail,
} from "../src/notify/index.js";
import {
  dagOf,
  outboxSettings,
  RUN_ID,
  runFinished,
  task,
  taskFinished,
  taskInstance,
  LAB2_TASKS,
} from "./fixtures/notify/events.js";

const TEMPLATES = fileURLToPath(new URL("./fixtures/notify/templates/", import.meta.url));
const BASE = "http://localhost:8080";

describe("task alerts read like Airflow's", () => {
  const dag = dagOf("etl", [task("extract", { email: ["teacher@example.com"] })]);

  it("a final failure: subject names the task instance, body has the try, the exception, the log link and the host", () => {
    const message = buildTaskAlert(taskFinished(dag, "extract", "failed", { ti: { tryNumber: 3 } }), {
      statusPageUrl: BASE,
    });
    assert.ok(message);
    assert.deepEqual(message.to, ["teacher@example.com"]);
    assert.equal(message.subject, `Kitelab alert: <TaskInstance: etl.extract ${RUN_ID} [failed]>`);
    assert.match(message.html, /Try 3 out of 3<br>/);
    assert.match(message.html, /Exception:<br><pre>ValueError: the input file is empty<\/pre>/);
    assert.match(
      message.html,
      /Log: <a href="http:\/\/localhost:8080\/dags\/etl\/runs\/manual__2024-03-01T10%3A00%3A00%2B00%3A00\/tasks\/extract\/logs\/3">Link<\/a>/,
    );
    assert.match(message.html, /Host: lab-laptop/);
  });

  it("a failed attempt that will be retried sends a retry alert (emailOnRetry)", () => {
    const message = buildTaskAlert(taskFinished(dag, "extract", "up_for_retry"), { statusPageUrl: BASE });
    assert.match(message?.subject ?? "", /\[up_for_retry\]>$/);
    assert.match(message?.html ?? "", /Try 1 out of 3/);
  });

  it("success mails only when emailOnSuccess is on (Kitelab's addition), without an exception", () => {
    assert.equal(buildTaskAlert(taskFinished(dag, "extract", "success"), { statusPageUrl: BASE }), undefined);
    const happy = dagOf("etl", [task("extract", { email: ["teacher@example.com"], emailOnSuccess: true })]);
    const message = buildTaskAlert(taskFinished(happy, "extract", "success"), { statusPageUrl: BASE });
    assert.match(message?.subject ?? "", /\[success\]>$/);
    assert.doesNotMatch(message?.html ?? "", /Exception/);
  });

  it("no alert for a task without email, with the matching flag off, or for a skipped task", () => {
    const quiet = dagOf("etl", [
      task("no_email"),
      task("no_failure_mail", { email: ["t@example.com"], emailOnFailure: false }),
      task("no_retry_mail", { email: ["t@example.com"], emailOnRetry: false }),
      task("skipper", { email: ["t@example.com"] }),
    ]);
    assert.equal(buildTaskAlert(taskFinished(quiet, "no_email", "failed"), { statusPageUrl: BASE }), undefined);
    assert.equal(buildTaskAlert(taskFinished(quiet, "no_failure_mail", "failed"), { statusPageUrl: BASE }), undefined);
    assert.equal(
      buildTaskAlert(taskFinished(quiet, "no_retry_mail", "up_for_retry"), { statusPageUrl: BASE }),
      undefined,
    );
    assert.equal(buildTaskAlert(taskFinished(quiet, "skipper", "skipped"), { statusPageUrl: BASE }), undefined);
  });

  it("HTML-escapes the exception, task ids and hostnames a task controls", () => {
    const event = taskFinished(dag, "extract", "failed", {
      error: { name: "Error", message: '<script>alert("x")</script> & <b>bold</b>' },
      ti: { hostname: "<img src=x onerror=alert(1)>" },
    });
    const html = buildTaskAlert(event, { statusPageUrl: BASE })?.html ?? "";
    assert.doesNotMatch(html, /<script>|<b>bold|<img/);
    assert.match(html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; &lt;b&gt;bold&lt;\/b&gt;/);
  });
});

describe("subject_template and html_content_template files", () => {
  const dag = dagOf("etl", [task("extract", { email: ["teacher@example.com"] })], {
    params: { title: "default title" },
  });

  it("override the built-in subject and body, with Airflow's context names", async () => {
    const { templates, problems } = await loadAlertTemplates({
      subjectTemplate: join(TEMPLATES, "subject.hbs"),
      htmlContentTemplate: join(TEMPLATES, "body.hbs"),
    });
    assert.deepEqual(problems, []);
    const event = taskFinished(dag, "extract", "failed", { run: { conf: { title: "Weekly <report>" } } });
    const message = buildTaskAlert(event, { statusPageUrl: BASE, templates });
    assert.equal(message?.subject, "[etl] extract failure (try 1): Weekly <report>");
    assert.match(message?.html ?? "", /Custom alert for extract in etl: ValueError: the input file is empty/);
    assert.match(message?.html ?? "", /Title: Weekly &lt;report&gt;/);
  });

  it("a newline a template renders into the subject collapses to a space: it cannot start a header", async () => {
    const { templates } = await loadAlertTemplates({
      subjectTemplate: join(TEMPLATES, "subject.hbs"),
      htmlContentTemplate: "",
    });
    const event = taskFinished(dag, "extract", "failed", {
      run: { conf: { title: "hi\r\nBcc: attacker@evil.example\r\n\r\nbody" } },
    });
    const subject = buildTaskAlert(event, { statusPageUrl: BASE, templates })?.subject ?? "";
    assert.equal(subject, "[etl] extract failure (try 1): hi Bcc: attacker@evil.example body");
  });

  it("a template that cannot be read or compiled is reported, and the built-in one is used", async () => {
    const { templates, problems } = await loadAlertTemplates({
      subjectTemplate: join(TEMPLATES, "missing.hbs"),
      htmlContentTemplate: join(TEMPLATES, "broken.hbs"),
    });
    assert.equal(problems.length, 2);
    assert.match(
      problems[0]!,
      /\[email\] subject_template = .*missing\.hbs: cannot be read .*ENOENT.*using the built-in template instead/,
    );
    assert.match(problems[1]!, /\[email\] html_content_template = .*broken\.hbs: .*is not a valid handlebars template/);
    const message = buildTaskAlert(taskFinished(dag, "extract", "failed"), { statusPageUrl: BASE, templates });
    assert.match(message?.subject ?? "", /^Kitelab alert: <TaskInstance: etl\.extract/);
  });
});

describe("run summaries (runSummaryEmail)", () => {
  const tasks = LAB2_TASKS.map((id) => task(id));
  const instances = LAB2_TASKS.map((id, index) => taskInstance("lab2", id, { durationMs: 1000 * (index + 1) }));

  it("is sent for the outcomes `when` names", () => {
    const cases = [
      ["success", "success", true],
      ["success", "failed", false],
      ["failure", "success", false],
      ["failure", "failed", true],
      ["both", "success", true],
      ["both", "failed", true],
    ] as const;
    for (const [when, state, expected] of cases)
      assert.equal(wantsSummary({ to: ["s@example.com"], when }, state), expected, `${when} / ${state}`);
    assert.equal(wantsSummary(undefined, "success"), false);
    assert.equal(wantsSummary({ to: [], when: "both" }, "success"), false);
  });

  it("lists the DAG, run, logical date, duration and every task's state and duration, with a link to /success", () => {
    const dag = dagOf("lab2", tasks, { runSummaryEmail: { to: ["student@example.com"], when: "both" } });
    const message = buildRunSummary(runFinished(dag, "success", [...instances].reverse()), { statusPageUrl: BASE });
    assert.ok(message);
    assert.deepEqual(message.to, ["student@example.com"]);
    assert.equal(message.subject, `Kitelab run succeeded: lab2 ${RUN_ID}`);
    assert.match(message.html, /Logical date<\/th><td>2024-03-01T10:00:00.000Z/);
    assert.match(message.html, /Duration<\/th><td>1m 23s/);
    const rows = [...message.html.matchAll(/<tr><td>(\w+)<\/td><td>(\w+)<\/td><td>([^<]+)<\/td>/g)].map((m) => [
      m[1],
      m[2],
      m[3],
    ]);
    assert.deepEqual(
      rows,
      LAB2_TASKS.map((id, index) => [id, "success", `${index + 1}.0s`]),
      "in DAG order",
    );
    assert.match(message.html, /<a href="http:\/\/localhost:8080\/success">/);
  });

  it("every message carries a plain-text alternative with the same facts: states, durations, the status link", async () => {
    const dag = dagOf("lab2", tasks, { runSummaryEmail: { to: ["student@example.com"], when: "both" } });
    const message = buildRunSummary(runFinished(dag, "success", instances), { statusPageUrl: BASE });
    assert.ok(message);
    const parsed = await parseMail(
      await composeRaw(mailOptions(message, "kitelab@example.com", new Date("2024-03-01T10:02:00Z"))),
    );
    assert.ok(parsed.html?.includes("<table"), "the HTML part is kept");
    const text = (parsed.text ?? "").replace(/\r\n/g, "\n");
    assert.doesNotMatch(text, /<[a-z/][^>]*>/i, "no markup in the text part");
    for (const [index, id] of LAB2_TASKS.entries())
      assert.match(text, new RegExp(`^${id}  success  ${index + 1}\\.0s  1 of 3$`, "m"));
    assert.match(text, /^Status page: http:\/\/localhost:8080\/success$/m);
  });

  it("htmlToText keeps links, rows and escaped characters readable", () => {
    assert.equal(
      htmlToText(
        '<h1>Run &amp; report</h1><p>Open <a href="http://x/success">the page</a>.</p><table><tr><th>task</th><th>state</th></tr><tr><td>a&lt;b</td><td>failed</td></tr></table><pre>line 1\nline 2</pre>',
      ),
      "Run & report\nOpen the page (http://x/success).\ntask  state\na<b  failed\n\nline 1\nline 2",
    );
  });

  it("on failure, shows the failing task's last 20 log lines, escaped, and links to /failure", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kitelab-notify-log-"));
    const logPath = join(dir, "attempt=3.log");
    writeFileSync(
      logPath,
      `${Array.from({ length: 50 }, (_, i) => `line ${i + 1}${i === 49 ? " <ValueError>" : ""}`).join("\n")}\n`,
    );
    const failing = instances.map((ti) =>
      ti.taskId === "train_model"
        ? { ...ti, state: "failed" as const, tryNumber: 3, logPath, error: { name: "ValueError", message: "no rows" } }
        : ti,
    );
    const dag = dagOf("lab2", tasks, { runSummaryEmail: { to: ["student@example.com"], when: "failure" } });
    const tail = await readLogTail(logPath, 20);
    const message = buildRunSummary(runFinished(dag, "failed", failing), {
      statusPageUrl: BASE,
      logTails: new Map([["train_model", tail]]),
    });
    assert.ok(message);
    assert.equal(message.subject, `Kitelab run failed: lab2 ${RUN_ID}`);
    assert.match(message.html, /Task train_model failed/);
    assert.match(message.html, /ValueError: no rows/);
    assert.match(message.html, /line 31\n/);
    assert.doesNotMatch(message.html, /line 30\n/);
    assert.match(message.html, /line 50 &lt;ValueError&gt;/);
    assert.match(message.html, /href="http:\/\/localhost:8080\/failure"/);
  });

  it("says so when a failed task's log file is missing", async () => {
    const tail = await readLogTail("/nonexistent/kitelab/attempt=1.log");
    assert.deepEqual(tail.lines, []);
    assert.match(tail.note, /cannot be read \(ENOENT\)/);
  });
});

describe("text safety", () => {
  it("headerSafe never leaves a line break, whatever the text", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), (text) => !/[\r\n]/.test(headerSafe(text))));
  });

  it("escapeHtml leaves no markup characters", () => {
    fc.assert(fc.property(fc.string(), (text) => !/[<>"']/.test(escapeHtml(text))));
  });

  it("addresses: plain and named are accepted; line breaks and non-addresses are refused with the reason", () => {
    assert.equal(addressProblem("student@example.com"), undefined);
    assert.equal(addressProblem("Teacher <teacher@example.org>"), undefined);
    assert.match(addressProblem("student@example.com\r\nBcc: x@evil.example") ?? "", /contains a line break/);
    assert.match(
      addressProblem("not an address") ?? "",
      /"not an address" is not an email address such as "student@example.com"/,
    );
  });

  it("retry delays double from the base and stop at the maximum", () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((retry) => backoffDelay(retry, 1000, 10_000)),
      [1000, 2000, 4000, 8000, 10_000, 10_000],
    );
  });
});

describe("mail settings are checked where they enter", () => {
  it("refuses smtp_starttls together with smtp_ssl, naming both keys", () => {
    assert.throws(
      () => resolveMailSettings(outboxSettings("/tmp/x", { smtpHost: "mail.example.com", smtpSsl: true })),
      /smtp_starttls and smtp_ssl are both True/,
    );
  });

  it("the resolved settings never print or serialize the password, yet keep it", () => {
    const resolved = resolveMailSettings(
      outboxSettings("/tmp/x", { smtpHost: "mail.example.com", smtpUser: "u", smtpPassword: "hunter2-secret" }),
    );
    assert.equal(resolved.smtpPassword, "hunter2-secret");
    assert.doesNotMatch(JSON.stringify(resolved) + inspect(resolved), /hunter2-secret/);
  });

  it("needs a sender and a positive timeout, and says which key to set", () => {
    assert.throws(
      () => resolveMailSettings(outboxSettings("/tmp/x", { smtpMailFrom: "", fromEmail: "" })),
      /set \[email\] from_email or \[smtp\] smtp_mail_from/,
    );
    assert.throws(
      () => resolveMailSettings(outboxSettings("/tmp/x", { smtpTimeout: 0 })),
      /Expected `smtpTimeout` \(\[smtp\] smtp_timeout\) to be a positive number of seconds, got 0 \(number\)/,
    );
    assert.throws(
      () => resolveMailSettings(outboxSettings("/tmp/x", { smtpRetryLimit: -1 })),
      /smtp_retry_limit\) to be an integer of at least 0, got -1/,
    );
  });
});
