import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI: `node kernel-lib/bin/kitelab.mjs schedule preview ...args`. */
function preview(...args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["kernel-lib/bin/kitelab.mjs", "schedule", "preview", ...args],
      { cwd: repo, env: { ...process.env, TZ: "UTC", NO_COLOR: "1" } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function previewJson(...args: string[]) {
  const outcome = await preview(...args, "--json");
  assert.equal(outcome.code, 0, outcome.stderr);
  return JSON.parse(outcome.stdout) as {
    due: Record<string, string>[];
    next: Record<string, string> | null;
    truncated?: boolean;
  };
}

function assertOneLineError(outcome: Outcome, pattern: RegExp) {
  assert.notEqual(outcome.code, 0);
  assert.equal(outcome.stdout, "");
  assert.equal(outcome.stderr.trimEnd().split("\n").length, 1, outcome.stderr);
  assert.match(outcome.stderr, pattern);
}

describe("kitelab schedule preview", () => {
  it("--json: the weekly run of 2021-01-04 becomes due at 2021-01-11T05:00Z, not at 04:59", async () => {
    const before = await previewJson(
      "--schedule",
      "0 5 * * 1",
      "--start-date",
      "2021-01-04T05:00Z",
      "--now",
      "2021-01-11T04:59Z",
    );
    assert.deepEqual(before, {
      due: [],
      next: {
        logicalDate: "2021-01-04T05:00:00.000Z",
        dataIntervalStart: "2021-01-04T05:00:00.000Z",
        dataIntervalEnd: "2021-01-11T05:00:00.000Z",
        runAfter: "2021-01-11T05:00:00.000Z",
      },
    });
    const at = await previewJson(
      "--schedule",
      "0 5 * * 1",
      "--start-date",
      "2021-01-04T05:00Z",
      "--now",
      "2021-01-11T05:00Z",
    );
    assert.deepEqual(at.due, [before.next]);
    assert.equal(at.next?.logicalDate, "2021-01-11T05:00:00.000Z");
    assert.equal("truncated" in at, false);
  });

  it("--json with catchup and --no-catchup", async () => {
    const args = ["--schedule", "0 12 * * *", "--start-date", "2024-01-01", "--now", "2024-01-10T13:00:00Z"];
    const all = await previewJson(...args);
    assert.equal(all.due.length, 9);
    assert.equal(all.due[0]!.logicalDate, "2024-01-01T12:00:00.000Z");
    const latest = await previewJson(...args, "--no-catchup");
    assert.deepEqual(
      latest.due.map((run) => run.logicalDate),
      ["2024-01-09T12:00:00.000Z"],
    );
    assert.equal(latest.next?.runAfter, "2024-01-11T12:00:00.000Z");
  });

  it("--json lists at most 1000 due runs, then adds truncated: true", async () => {
    const result = await previewJson(
      "--schedule",
      "* * * * *",
      "--start-date",
      "2020-01-01",
      "--now",
      "2024-01-01T00:00:30Z",
    );
    assert.equal(result.due.length, 1000);
    assert.equal(result.truncated, true);
    assert.equal(result.next?.logicalDate, "2024-01-01T00:00:00.000Z");
    const limited = await previewJson(
      "--schedule",
      "* * * * *",
      "--start-date",
      "2020-01-01",
      "--now",
      "2024-01-01T00:00:30Z",
      "--limit",
      "3",
    );
    assert.equal(limited.due.length, 3);
  });

  it("--semantics airflow3, --end-date, @once and manual-only schedules", async () => {
    const trigger = await previewJson(
      "--schedule",
      "@daily",
      "--start-date",
      "2024-01-01",
      "--now",
      "2024-01-02T00:00Z",
      "--semantics",
      "airflow3",
    );
    assert.deepEqual(
      trigger.due.map((run) => [run.logicalDate, run.dataIntervalEnd, run.runAfter]),
      [
        ["2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00.000Z"],
        ["2024-01-02T00:00:00.000Z", "2024-01-02T00:00:00.000Z", "2024-01-02T00:00:00.000Z"],
      ],
    );
    const bounded = await previewJson(
      "--schedule",
      "@daily",
      "--start-date",
      "2024-01-01",
      "--end-date",
      "2024-01-04",
      "--now",
      "2024-02-01",
    );
    assert.deepEqual(
      bounded.due.map((run) => run.logicalDate?.slice(0, 10)),
      ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"],
      "the last run is the one whose interval starts on the end date, as in Airflow",
    );
    assert.equal(bounded.next, null);
    const once = await previewJson("--schedule", "@once", "--start-date", "2024-01-01T08:00Z", "--now", "2024-02-01");
    assert.deepEqual(
      once.due.map((run) => `${run.dataIntervalStart} ${run.dataIntervalEnd}`),
      ["2024-01-01T08:00:00.000Z 2024-01-01T08:00:00.000Z"],
    );
    assert.deepEqual(await previewJson("--schedule", "none"), { due: [], next: null });
    assert.deepEqual(await previewJson("--schedule", "null", "--start-date", "2024-01-01"), { due: [], next: null });
  });

  it("without --json: a table in UTC and local time, the next run and the description", async () => {
    const outcome = await preview(
      "--schedule",
      "@daily",
      "--start-date",
      "2024-03-30",
      "--timezone",
      "Europe/Paris",
      "--now",
      "2024-04-01T12:00Z",
    );
    assert.equal(outcome.code, 0, outcome.stderr);
    const out = outcome.stdout;
    assert.match(out, /every day at 00:00 Europe\/Paris/);
    assert.match(
      out,
      /logical date \(UTC\)\s+data interval \(UTC\)\s+runs at \(UTC\)\s+logical date \(Europe\/Paris\)/,
    );
    assert.match(
      out,
      /2024-03-30 23:00\s+2024-03-30 23:00 -> 2024-03-31 22:00\s+2024-03-31 22:00\s+2024-03-31 00:00 \+01:00\s+2024-03-31 00:00 -> 2024-04-01 00:00\s+2024-04-01 00:00 \+02:00\s+23h/,
    );
    assert.match(out, /Next run: +logical date 2024-03-31T22:00:00.000Z/);
  });

  it("without --timezone the table has UTC columns only", async () => {
    const outcome = await preview(
      "--schedule",
      "0 12 * * *",
      "--start-date",
      "2024-01-01",
      "--now",
      "2024-01-03T00:00Z",
    );
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.match(outcome.stdout, /every day at 12:00 UTC/);
    assert.doesNotMatch(outcome.stdout, /Europe|America/);
    assert.match(outcome.stdout, /1 run due:/);
  });

  it("invalid input: non-zero exit, one line on stderr naming the argument", async () => {
    assertOneLineError(
      await preview("--schedule", "@daily", "--start-date", "2021-13-01"),
      /^kitelab: error: --start-date "2021-13-01" is not an ISO-8601 date/,
    );
    assertOneLineError(
      await preview("--schedule", "0 25 * * *", "--start-date", "2021-01-01"),
      /--schedule: Invalid schedule "0 25 \* \* \*": the hour field is "25", expected 0-23/,
    );
    assertOneLineError(
      await preview("--schedule", "@daly", "--start-date", "2021-01-01"),
      /--schedule: .*Did you mean "@daily"\?/,
    );
    assertOneLineError(
      await preview("--schedule", "@daily", "--start-date", "2021-01-01", "--timezone", "Europe/Pari"),
      /--timezone: Invalid timezone "Europe\/Pari": expected an IANA time zone name .*Did you mean "Europe\/Paris"\?/,
    );
    assertOneLineError(
      await preview("--schedule", "@daily", "--start-date", "2021-01-01", "--semantics", "airflow4"),
      /--semantics must be airflow2 or airflow3/,
    );
    assertOneLineError(
      await preview("--schedule", "@daily", "--start-date", "2021-01-01", "--limit", "0"),
      /--limit must be a whole number from 1 to 1000/,
    );
    assertOneLineError(
      await preview("--schedule", "@daily", "--start-date", "2021-01-01", "--now", "tomorrow"),
      /--now "tomorrow" is not an ISO-8601 date/,
    );
    assertOneLineError(await preview("--schedule", "@daily"), /--start-date is required/);
    assertOneLineError(
      await preview("--schedule", "@daily", "--start-date", "2021-01-05", "--end-date", "2021-01-01"),
      /--end-date 2021-01-01T00:00:00.000Z is before --start-date/,
    );
  });
});
