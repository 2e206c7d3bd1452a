// Lab 2 end to end over the wire: the real `kitelab standalone` (scheduler, worker processes,
// notifier) runs the lab's DAG file and mails the pipeline's email and run summary to a real
// SMTP server listening on loopback.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { addressesIn, headerValue } from "../src/notify/index.js";
import { startTestServer, type TestServer } from "./fixtures/notify/smtpTestServer.js";
import { tempHome } from "./helpers/tempHome.js";
import { waitFor } from "./helpers/waitFor.js";

const BIN = fileURLToPath(new URL("../bin/kitelab.mjs", import.meta.url));
const LAB2_DAGS = fileURLToPath(new URL("../../labs/lab2-ml-pipeline/dags/", import.meta.url));

describe("lab 2 over the wire: the real scheduler mails the pipeline's completion to an SMTP server", () => {
  const home = tempHome("kitelab-lab2-wire-");
  let server: TestServer;
  let scheduler: ChildProcess;
  let output = "";
  let url = "";

  before(async () => {
    server = await startTestServer();
    scheduler = spawn(process.execPath, [BIN, "standalone", "--port", "0"], {
      env: {
        ...process.env,
        KITELAB_HOME: home.home,
        KITELAB__CORE__DAGS_FOLDER: LAB2_DAGS,
        KITELAB__CORE__LOAD_EXAMPLES: "False",
        KITELAB__CORE__DAGS_ARE_PAUSED_AT_CREATION: "False",
        KITELAB__SMTP__SMTP_HOST: "127.0.0.1",
        KITELAB__SMTP__SMTP_PORT: String(server.port),
        KITELAB__SMTP__SMTP_STARTTLS: "False",
        KITELAB__SMTP__SMTP_SSL: "False",
        KITELAB__SMTP__SMTP_MAIL_FROM: "kitelab@example.com",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    scheduler.stdout!.on("data", (chunk) => (output += chunk));
    scheduler.stderr!.on("data", (chunk) => (output += chunk));
    url = await waitFor("the status page URL", () => /Status page:\s+(\S+)/.exec(output)?.[1], 30_000);
  });

  after(async () => {
    if (scheduler.exitCode === null && scheduler.signalCode === null) {
      const exited = new Promise((resolve) => scheduler.once("exit", resolve));
      scheduler.kill("SIGTERM");
      await exited;
    }
    await server.close();
    home.cleanup();
  });

  it(
    "a triggered run of lab2_ml_pipeline succeeds and its report mail and run summary arrive, once each",
    { timeout: 180_000 },
    async () => {
      const token = readFileSync(join(home.home, "api_token"), "utf8").trim();
      const call = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(`${url}api/v1${path}`, {
          method,
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return (await response.json()) as Record<string, unknown>;
      };
      await waitFor(
        "the scheduler to list lab2_ml_pipeline",
        async () => ((await call("GET", "/dags/lab2_ml_pipeline")).dag_id ? true : undefined),
        30_000,
      );
      const triggered = await call("POST", "/dags/lab2_ml_pipeline/dagRuns", {});
      const runId = triggered.dag_run_id as string;
      assert.ok(runId, `the trigger answered ${JSON.stringify(triggered)}\n${output}`);
      const finished = await waitFor(
        `run ${runId} to finish`,
        async () => {
          const run = await call("GET", `/dags/lab2_ml_pipeline/dagRuns/${encodeURIComponent(runId)}`);
          return run.state === "success" || run.state === "failed" ? run : undefined;
        },
        90_000,
      );
      assert.equal(finished.state, "success", output);

      const mails = await Promise.race([
        server.waitForMessages(2),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`fewer than 2 messages arrived:\n${output}`)), 30_000),
        ),
      ]);
      const subjects = mails.map((mail) => headerValue(mail.parsed, "subject") ?? "");
      const report = mails.find((mail) =>
        /^Lab 2: the advertising model is trained \(\d{4}-\d{2}-\d{2}\)$/.test(
          headerValue(mail.parsed, "subject") ?? "",
        ),
      );
      assert.ok(report, `no report mail among: ${subjects.join(" | ")}`);
      assert.deepEqual(report.rcptTo, ["student@example.com"]);
      assert.equal(report.mailFrom, "kitelab@example.com");
      assert.match(
        report.parsed.html ?? "",
        new RegExp(`Run ${runId.replace(/[+]/g, "\\+")} of lab2_ml_pipeline finished`),
      );
      assert.deepEqual(
        report.parsed.attachments.map((file) => file.filename),
        ["report.html"],
      );
      assert.match(report.parsed.attachments[0]!.content.toString("utf8"), /[Aa]ccuracy/);

      const summary = mails.find(
        (mail) => headerValue(mail.parsed, "subject") === `Kitelab run succeeded: lab2_ml_pipeline ${runId}`,
      );
      assert.ok(summary, `no run summary among: ${subjects.join(" | ")}`);
      assert.deepEqual(addressesIn(headerValue(summary.parsed, "to")), ["student@example.com"]);
      for (const task of ["load_data", "preprocess", "train_model", "evaluate_model", "send_success_email"]) {
        assert.match(summary.parsed.html ?? "", new RegExp(`<td>${task}</td><td>success</td>`));
      }
      assert.match(summary.parsed.html ?? "", new RegExp(`href="${url.replace(/[.]/g, "\\.")}success"`));

      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(
        server.received.length,
        2,
        `one message per event, no duplicates: ${server.received.map((mail) => headerValue(mail.parsed, "subject")).join(" | ")}`,
      );
      const outbox = join(home.home, "outbox");
      const kept = (() => {
        try {
          return readdirSync(outbox, { recursive: true })
            .map(String)
            .filter((name) => name.endsWith(".eml"));
        } catch {
          return [];
        }
      })();
      assert.deepEqual(kept, [], "sent mail is not also written to the outbox");
    },
  );
});
