import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createTimetable, wallTimeOf, type RunInfo } from "../src/timetable/index.js";

const HOUR = 3_600_000;

function dailyRuns(
  timezone: string,
  startDate: string,
  now: string,
  semantics: "airflow2" | "airflow3" = "airflow2",
): RunInfo[] {
  const timetable = createTimetable({
    schedule: "@daily",
    startDate: new Date(startDate),
    catchup: true,
    timezone,
    semantics,
  });
  if (!timetable.ok) throw new Error(timetable.error);
  return timetable.value.dueRuns(null, new Date(now), 100).due;
}

const hoursOf = (runs: RunInfo[]) =>
  runs.map((run) => (run.dataIntervalEnd.getTime() - run.dataIntervalStart.getTime()) / HOUR);

function assertLocalMidnights(runs: RunInfo[], timezone: string) {
  for (const run of runs) {
    for (const instant of [run.dataIntervalStart, run.dataIntervalEnd, run.runAfter]) {
      const wall = wallTimeOf(instant, timezone);
      assert.deepEqual([wall.hour, wall.minute], [0, 0], `${instant.toISOString()} is not midnight in ${timezone}`);
    }
  }
}

describe("cron in the DAG's time zone, across daylight saving time", () => {
  it("Europe/Paris, spring forward (2024-03-31): a 23-hour interval, runs stay at local midnight", () => {
    const runs = dailyRuns("Europe/Paris", "2024-03-29T23:00Z", "2024-04-02T12:00Z");
    assert.deepEqual(
      runs.map((run) => run.dataIntervalStart.toISOString()),
      ["2024-03-29T23:00:00.000Z", "2024-03-30T23:00:00.000Z", "2024-03-31T22:00:00.000Z"],
    );
    assert.deepEqual(hoursOf(runs), [24, 23, 24]);
    assertLocalMidnights(runs, "Europe/Paris");
  });

  it("Europe/Paris, fall back (2024-10-27): a 25-hour interval", () => {
    const runs = dailyRuns("Europe/Paris", "2024-10-25T22:00Z", "2024-10-29T00:00Z");
    assert.deepEqual(hoursOf(runs), [24, 25, 24]);
    assert.equal(runs[1]!.dataIntervalStart.toISOString(), "2024-10-26T22:00:00.000Z");
    assert.equal(runs[1]!.dataIntervalEnd.toISOString(), "2024-10-27T23:00:00.000Z");
    assertLocalMidnights(runs, "Europe/Paris");
  });

  it("America/New_York, spring forward (2024-03-10): 23 hours; fall back (2024-11-03): 25 hours", () => {
    const spring = dailyRuns("America/New_York", "2024-03-09T05:00Z", "2024-03-11T12:00Z");
    assert.deepEqual(hoursOf(spring), [24, 23]);
    assert.equal(spring[1]!.dataIntervalEnd.toISOString(), "2024-03-11T04:00:00.000Z");
    assertLocalMidnights(spring, "America/New_York");

    const fall = dailyRuns("America/New_York", "2024-11-02T04:00Z", "2024-11-04T05:00Z");
    assert.deepEqual(hoursOf(fall), [24, 25]);
    assert.equal(fall[1]!.dataIntervalEnd.toISOString(), "2024-11-04T05:00:00.000Z");
    assertLocalMidnights(fall, "America/New_York");
  });

  for (const [timezone, fallBack] of [
    ["Europe/Paris", "2024-10-27T00:00Z"],
    ["America/New_York", "2024-11-03T05:00Z"],
  ] as const) {
    for (const schedule of ["0 * * * *", "*/30 * * * *", "15 1,2,3 * * *"]) {
      it(`${timezone}, fall back: "${schedule}" keeps moving through the repeated hour (every interval starts where the last ended)`, () => {
        const start = new Date(new Date(fallBack).getTime() - 4 * HOUR);
        const timetable = createTimetable({ schedule, startDate: start, catchup: true, timezone });
        if (!timetable.ok) throw new Error(timetable.error);
        const now = new Date(start.getTime() + 30 * HOUR);
        const due = timetable.value.dueRuns(null, now, 500).due;
        assert.ok(due.length > 0);
        for (let index = 1; index < due.length; index += 1) {
          assert.equal(
            due[index]!.dataIntervalStart.getTime(),
            due[index - 1]!.dataIntervalEnd.getTime(),
            `run ${index} starts where run ${index - 1} ended`,
          );
        }
        let last: { start: Date; end: Date } | null = null;
        for (const _ of due) {
          const next = timetable.value.nextRun(last, now);
          assert.ok(
            next && (!last || next.dataIntervalStart >= last.end),
            `nextRun moves forward after ${last?.end.toISOString()}`,
          );
          last = { start: next.dataIntervalStart, end: next.dataIntervalEnd };
        }
        assert.ok(
          due.at(-1)!.dataIntervalEnd.getTime() > now.getTime() - 24 * HOUR,
          "the walk reached the day after the change",
        );
      });
    }
  }

  for (const [timezone, month, start] of [
    ["Australia/Sydney", "April 2024", "2024-03-31T13:00Z"],
    ["America/New_York", "November 2024", "2024-11-01T04:00Z"],
  ] as const) {
    for (const semantics of ["airflow2", "airflow3"] as const) {
      it(`${timezone}, ${month} (${semantics}): @hourly has one run per real hour, the repeated hour twice`, () => {
        const timetable = createTimetable({
          schedule: "@hourly",
          startDate: new Date(start),
          catchup: true,
          timezone,
          semantics,
        });
        if (!timetable.ok) throw new Error(timetable.error);
        const now = new Date(new Date(start).getTime() + 30 * 24 * HOUR);
        const due = timetable.value.dueRuns(null, now, 1000).due;
        // 30 days of real hours: the month has 721 wall-clock hours, one of them twice.
        assert.equal(due.length, semantics === "airflow2" ? 720 : 721);
        for (let index = 1; index < due.length; index += 1) {
          assert.equal(
            due[index]!.logicalDate.getTime() - due[index - 1]!.logicalDate.getTime(),
            HOUR,
            `run ${index} is one hour after run ${index - 1}`,
          );
        }
      });
    }
  }

  it("the manual run's interval follows local midnight too", () => {
    const timetable = createTimetable({
      schedule: "@daily",
      startDate: new Date("2024-01-01"),
      catchup: true,
      timezone: "Europe/Paris",
    });
    assert.ok(timetable.ok);
    const manual = timetable.value.manualRun(new Date("2024-04-01T08:00Z"));
    assert.equal(manual.dataIntervalStart.toISOString(), "2024-03-30T23:00:00.000Z");
    assert.equal(manual.dataIntervalEnd.toISOString(), "2024-03-31T22:00:00.000Z");
  });

  it("airflow3 runs fire at local midnight as well", () => {
    const runs = dailyRuns("America/New_York", "2024-11-02T04:00Z", "2024-11-04T05:00Z", "airflow3");
    assert.deepEqual(
      runs.map((run) => run.runAfter.toISOString()),
      ["2024-11-02T04:00:00.000Z", "2024-11-03T04:00:00.000Z", "2024-11-04T05:00:00.000Z"],
    );
  });

  it("an invalid time zone is an error naming it", () => {
    const result = createTimetable({
      schedule: "@daily",
      startDate: new Date("2024-01-01"),
      catchup: true,
      timezone: "Europe/Pari",
    });
    assert.equal(result.ok, false);
    assert.match(result.ok ? "" : result.error, /Invalid timezone "Europe\/Pari": expected an IANA time zone name/);
  });

  it("the description names the time zone", () => {
    const result = createTimetable({
      schedule: "@daily",
      startDate: new Date("2024-01-01"),
      catchup: true,
      timezone: "Europe/Paris",
    });
    assert.equal(result.ok && result.value.description, "every day at 00:00 Europe/Paris");
  });
});
