import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createTimetable, firstRunWarning, previewSchedule } from "../src/timetable/index.js";
import { parseIsoInstant } from "../src/timetable/isoDate.js";

const at = (iso: string) => new Date(iso);

describe("previewSchedule", () => {
  it("lists the runs due at now, oldest first, and the first run not due yet", () => {
    const preview = previewSchedule({
      schedule: "@daily",
      startDate: at("2024-01-01T00:00Z"),
      catchup: true,
      now: at("2024-01-03T06:00Z"),
    });
    assert.ok(preview.ok);
    assert.deepEqual(
      preview.value.due.map((run) => run.logicalDate.toISOString()),
      ["2024-01-01T00:00:00.000Z", "2024-01-02T00:00:00.000Z"],
    );
    assert.equal(preview.value.next?.logicalDate.toISOString(), "2024-01-03T00:00:00.000Z");
    assert.equal(preview.value.next?.runAfter.toISOString(), "2024-01-04T00:00:00.000Z");
    assert.equal(preview.value.truncated, false);
  });

  it("when truncated, next is still the first run not due at now", () => {
    const preview = previewSchedule({
      schedule: "* * * * *",
      startDate: at("2020-01-01T00:00Z"),
      catchup: true,
      now: at("2024-06-01T10:00:30Z"),
      limit: 1000,
    });
    assert.ok(preview.ok);
    assert.equal(preview.value.due.length, 1000);
    assert.equal(preview.value.truncated, true);
    assert.equal(preview.value.next?.logicalDate.toISOString(), "2024-06-01T10:00:00.000Z");
    assert.equal(preview.value.next?.runAfter.toISOString(), "2024-06-01T10:01:00.000Z");
  });

  it("when truncated and every remaining run is past endDate, next is null", () => {
    const preview = previewSchedule({
      schedule: "*/5 * * * *",
      startDate: at("2024-01-01T00:00Z"),
      endDate: at("2024-01-10T00:00Z"),
      catchup: true,
      now: at("2024-06-01T00:00Z"),
      limit: 10,
    });
    assert.ok(preview.ok);
    assert.equal(preview.value.truncated, true);
    assert.equal(preview.value.next, null);
  });

  it("next is null when the schedule has no more runs", () => {
    const preview = previewSchedule({
      schedule: "@once",
      startDate: at("2024-01-01T00:00Z"),
      catchup: true,
      now: at("2024-02-01T00:00Z"),
    });
    assert.ok(preview.ok);
    assert.equal(preview.value.due.length, 1);
    assert.equal(preview.value.next, null);
  });

  it("rejects bad input with a sentence", () => {
    const badNow = previewSchedule({ schedule: "@daily", startDate: at("2024-01-01"), catchup: true, now: at("nope") });
    assert.equal(badNow.ok, false);
    const badLimit = previewSchedule({
      schedule: "@daily",
      startDate: at("2024-01-01"),
      catchup: true,
      now: at("2024-02-01"),
      limit: 0,
    });
    assert.match(badLimit.ok ? "" : badLimit.error, /Expected `limit` to be a positive integer, got 0 \(number\)/);
    const badStart = createTimetable({ schedule: "@daily", startDate: at("nope"), catchup: true });
    assert.match(badStart.ok ? "" : badStart.error, /Expected `startDate` to be a valid Date, got Invalid Date/);
  });
});

describe("firstRunWarning", () => {
  const now = at("2024-06-01T00:00Z");

  it("says when a DAG whose startDate is in the future will first run", () => {
    const warning = firstRunWarning({ schedule: "0 12 * * *", startDate: at("2024-07-01T00:00Z"), catchup: true, now });
    assert.equal(
      warning,
      "startDate 2024-07-01T00:00:00.000Z is in the future: the first scheduled run (logical date 2024-07-01T12:00:00.000Z, " +
        "covering 2024-07-01T12:00:00.000Z to 2024-07-02T12:00:00.000Z) will start at 2024-07-02T12:00:00.000Z.",
    );
  });

  it("names the first run as Airflow 3 semantics make it: logical date and start are the same instant", () => {
    const warning = firstRunWarning({
      schedule: "0 12 * * *",
      startDate: at("2024-07-01T00:00Z"),
      catchup: false,
      semantics: "airflow3",
      now,
    });
    assert.equal(
      warning,
      "startDate 2024-07-01T00:00:00.000Z is in the future: the first scheduled run " +
        "(logical date 2024-07-01T12:00:00.000Z) will start at 2024-07-01T12:00:00.000Z.",
    );
  });

  it("says when a DAG can never run", () => {
    const warning = firstRunWarning({
      schedule: "@weekly",
      startDate: at("2024-01-01T00:00Z"),
      endDate: at("2024-01-05T00:00Z"),
      catchup: true,
      now,
    });
    assert.match(
      warning ?? "",
      /will never run on its schedule: endDate 2024-01-05T00:00:00.000Z comes before its first data interval starts/,
    );
  });

  it("says catchup is why a DAG whose endDate has passed will never run", () => {
    const options = { schedule: "@daily", startDate: at("2024-01-01T00:00Z"), endDate: at("2024-03-01T00:00Z"), now };
    assert.equal(
      firstRunWarning({ ...options, catchup: false }),
      "This DAG will never run on its schedule: catchup is off, so only intervals from now on run, and endDate " +
        "2024-03-01T00:00:00.000Z has passed. Set catchup: true to run the intervals up to endDate, or move endDate later.",
    );
    assert.equal(firstRunWarning({ ...options, catchup: true }), undefined);
  });

  it("stays quiet for an ordinary DAG, a manual one, or an invalid schedule", () => {
    assert.equal(
      firstRunWarning({ schedule: "@daily", startDate: at("2024-01-01T00:00Z"), catchup: true, now }),
      undefined,
    );
    assert.equal(
      firstRunWarning({ schedule: null, startDate: at("2030-01-01T00:00Z"), catchup: true, now }),
      undefined,
    );
    assert.equal(
      firstRunWarning({ schedule: "@daly", startDate: at("2030-01-01T00:00Z"), catchup: true, now }),
      undefined,
    );
  });
});

describe("description", () => {
  const cases: [string | null, string][] = [
    ["0 12 * * *", "every day at 12:00 UTC"],
    ["@daily", "every day at 00:00 UTC"],
    ["@hourly", "every hour at minute 0"],
    ["*/15 * * * *", "every 15 minutes"],
    ["0 5 * * 1", "every Monday at 05:00 UTC"],
    ["0 9 * * MON-FRI", "every Monday to Friday at 09:00 UTC"],
    ["0 6,18 * * *", "every day at 06:00 and 18:00 UTC"],
    ["@monthly", "on day 1 of every month at 00:00 UTC"],
    ["@yearly", "every year on 1 January at 00:00 UTC"],
    ["0 0 1 */3 *", 'on the cron schedule "0 0 1 */3 *" (UTC)'],
    ["2h", "every 2 hours, counted from 2024-01-01T00:00:00.000Z"],
    ["1d", "every day, counted from 2024-01-01T00:00:00.000Z"],
    ["@once", "once, at 2024-01-01T00:00:00.000Z"],
    [null, "never on its own: manual runs only"],
  ];
  for (const [schedule, expected] of cases) {
    it(`${schedule} -> ${expected}`, () => {
      const timetable = createTimetable({ schedule, startDate: at("2024-01-01T00:00Z"), catchup: true });
      assert.equal(timetable.ok && timetable.value.description, expected);
    });
  }
});

describe("parseIsoInstant", () => {
  it("reads dates with and without offsets; naive ones in the given time zone", () => {
    assert.equal(parseIsoInstant("2024-01-01")?.toISOString(), "2024-01-01T00:00:00.000Z");
    assert.equal(parseIsoInstant("2024-01-01T12:30Z")?.toISOString(), "2024-01-01T12:30:00.000Z");
    assert.equal(parseIsoInstant("2024-01-01T12:30:15.250+02:00")?.toISOString(), "2024-01-01T10:30:15.250Z");
    assert.equal(parseIsoInstant("2024-01-01", "Europe/Paris")?.toISOString(), "2023-12-31T23:00:00.000Z");
    assert.equal(parseIsoInstant("2024-07-01T00:00", "America/New_York")?.toISOString(), "2024-07-01T04:00:00.000Z");
  });

  it("rejects impossible dates", () => {
    for (const text of ["2021-13-01", "2021-02-30", "2024-01-01T24:00", "yesterday", "2024-1-1", ""]) {
      assert.equal(parseIsoInstant(text), undefined, text);
    }
  });
});
