import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DAG } from "../src/dag/dag.js";
import { serializeDag } from "../src/dag/serialize.js";
import { Notifier, headerValue, listOutbox, parseMail, readOutboxMessage } from "../src/notify/index.js";
import type { TaskInstanceRecord } from "../src/records.js";
import type { DagTestResult } from "../src/runtime/inProcessRun.js";
import { taskLogPath } from "../src/runtime/logPaths.js";
import { outboxSettings, recordingLog, run, schedulerLikeEvents } from "./fixtures/notify/events.js";

const EXAMPLE = fileURLToPath(new URL("../examples/example_run_summary_email.ts", import.meta.url));
const homes: string[] = [];
after(() => {
  for (const dir of homes) rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs the example once with dag.test(), writes each task's log where the scheduler would,
 * and emits the run-finished event the scheduler would emit for it. (The real scheduler end
 * to end is covered once the scheduler wires the notifier in.)
 */
async function firstRun(params: Record<string, unknown>) {
  const home = mkdtempSync(join(tmpdir(), "kitelab-example-mail-"));
  homes.push(home);
  const { dag } = (await import(EXAMPLE)) as { dag: DAG };
  const result: DagTestResult = await dag.test({ logicalDate: "2024-01-01", params, quiet: true });
  const serialized = serializeDag(dag, EXAMPLE);
  const runRecord = run(dag.dagId, {
    runId: result.runId,
    state: result.state,
    logicalDate: result.logicalDate,
    startDate: "2024-01-02T00:00:00.000Z",
    endDate: new Date(Date.parse("2024-01-02T00:00:00.000Z") + result.durationMs).toISOString(),
  });
  const instances: TaskInstanceRecord[] = result.tasks.map((summary) => {
    const logPath = taskLogPath(
      join(home, "logs"),
      dag.dagId,
      result.runId,
      summary.taskId,
      Math.max(summary.tryNumber, 1),
    );
    mkdirSync(dirname(logPath), { recursive: true });
    writeFileSync(logPath, `${summary.logs.join("\n")}\n`);
    return {
      dagId: dag.dagId,
      runId: result.runId,
      taskId: summary.taskId,
      state: summary.state,
      tryNumber: summary.tryNumber,
      maxTries: 1,
      durationMs: summary.durationMs,
      error: summary.error,
      logPath,
    };
  });
  const notifier = new Notifier(outboxSettings(home), { log: recordingLog().log });
  const events = schedulerLikeEvents();
  notifier.attach(events);
  events.emit("run-finished", { dag: serialized, run: runRecord, taskInstances: instances });
  await notifier.close();
  return { home, result };
}

describe("examples/example_run_summary_email.ts", () => {
  it("after its first run, the outbox holds one summary mail to student@example.com listing every task", async () => {
    const { home, result } = await firstRun({});
    assert.equal(result.state, "success");
    const entries = await listOutbox(home);
    assert.equal(entries.length, 1);
    assert.deepEqual(
      [entries[0]!.kind, entries[0]!.status, entries[0]!.to],
      ["run-summary", "written", ["student@example.com"]],
    );
    const mail = await parseMail((await readOutboxMessage(home, entries[0]!.id))!);
    assert.match(headerValue(mail, "subject") ?? "", /^Kitelab run succeeded: example_run_summary_email /);
    for (const task of ["measure", "summarize", "report"])
      assert.match(mail.html ?? "", new RegExp(`<tr><td>${task}</td><td>success</td>`));
  });

  it("with the param fail, the summary shows the failing task's last log lines", async () => {
    const { home, result } = await firstRun({ fail: true });
    assert.equal(result.state, "failed");
    const [entry] = await listOutbox(home);
    const mail = await parseMail((await readOutboxMessage(home, entry!.id))!);
    assert.match(headerValue(mail, "subject") ?? "", /^Kitelab run failed: example_run_summary_email /);
    assert.match(mail.html ?? "", /Task summarize failed/);
    assert.match(mail.html ?? "", /The readings look wrong; stopping before the report/);
    assert.match(mail.html ?? "", /href="http:\/\/localhost:8080\/failure"/);
  });
});
