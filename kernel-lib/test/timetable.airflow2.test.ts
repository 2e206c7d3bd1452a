import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createTimetable, type RunInfo, type Timetable, type TimetableOptions } from "../src/timetable/index.js";

const at = (iso: string) => new Date(iso);

function timetable(options: Partial<TimetableOptions> & { schedule: string | null; startDate: Date }): Timetable {
  const result = createTimetable({ catchup: true, ...options });
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

/** A run as four ISO strings, so failures print readably. */
function show(run: RunInfo | null) {
  if (!run) return null;
  return {
    logicalDate: run.logicalDate.toISOString(),
    interval: `${run.dataIntervalStart.toISOString()} - ${run.dataIntervalEnd.toISOString()}`,
    runAfter: run.runAfter.toISOString(),
  };
}

function run(start: string, end: string, runAfter = end) {
  return {
    logicalDate: at(start).toISOString(),
    interval: `${at(start).toISOString()} - ${at(end).toISOString()}`,
    runAfter: at(runAfter).toISOString(),
  };
}

describe("Airflow 2 semantics: a run fires at the end of its data interval", () => {
  const weekly = timetable({ schedule: "0 5 * * 1", startDate: at("2021-01-04T05:00Z") });

  it("the week starting Monday 2021-01-04 runs on 2021-01-11 at 05:00", () => {
    const first = weekly.nextRun(null, at("2021-01-04T05:00Z"));
    assert.deepEqual(show(first), run("2021-01-04T05:00Z", "2021-01-11T05:00Z"));
  });

  it("that run is due at 2021-01-11T05:00Z and not one minute before", () => {
    assert.deepEqual(weekly.dueRuns(null, at("2021-01-11T04:59Z"), 100), { due: [], truncated: false });
    const { due } = weekly.dueRuns(null, at("2021-01-11T05:00Z"), 100);
    assert.deepEqual(due.map(show), [run("2021-01-04T05:00Z", "2021-01-11T05:00Z")]);
  });

  describe("0 12 * * * from 2024-01-01", () => {
    const startDate = at("2024-01-01T00:00Z");

    it("with catchup, one run per missed interval, each named after its start", () => {
      const { due, truncated } = timetable({ schedule: "0 12 * * *", startDate }).dueRuns(
        null,
        at("2024-01-10T12:00Z"),
        1000,
      );
      assert.equal(truncated, false);
      assert.equal(due.length, 9);
      assert.deepEqual(
        due.map((r) => r.logicalDate.toISOString().slice(0, 10)),
        [
          "2024-01-01",
          "2024-01-02",
          "2024-01-03",
          "2024-01-04",
          "2024-01-05",
          "2024-01-06",
          "2024-01-07",
          "2024-01-08",
          "2024-01-09",
        ],
      );
      assert.deepEqual(show(due[0]!), run("2024-01-01T12:00Z", "2024-01-02T12:00Z"));
      assert.deepEqual(show(due[8]!), run("2024-01-09T12:00Z", "2024-01-10T12:00Z"));
    });

    it("the first interval starts at the first scheduled time at or after startDate", () => {
      const first = timetable({ schedule: "0 12 * * *", startDate: at("2024-01-01T12:00Z") }).nextRun(
        null,
        at("2024-01-01T00:00Z"),
      );
      assert.deepEqual(show(first), run("2024-01-01T12:00Z", "2024-01-02T12:00Z"));
    });

    it("without catchup, only the latest complete interval runs", () => {
      const noCatchup = timetable({ schedule: "0 12 * * *", startDate, catchup: false });
      const { due } = noCatchup.dueRuns(null, at("2024-01-10T13:00Z"), 1000);
      assert.deepEqual(due.map(show), [run("2024-01-09T12:00Z", "2024-01-10T12:00Z")]);
      const justBefore = noCatchup.dueRuns(null, at("2024-01-10T11:59Z"), 1000).due;
      assert.deepEqual(justBefore.map(show), [run("2024-01-08T12:00Z", "2024-01-09T12:00Z")]);
    });

    it("without catchup, a DAG that was off for a week skips to the latest interval", () => {
      const noCatchup = timetable({ schedule: "0 12 * * *", startDate, catchup: false });
      const last = { start: at("2024-01-02T12:00Z"), end: at("2024-01-03T12:00Z") };
      assert.deepEqual(
        show(noCatchup.nextRun(last, at("2024-01-10T13:00Z"))),
        run("2024-01-09T12:00Z", "2024-01-10T12:00Z"),
      );
    });

    it("after the last run, the next one may be in the future", () => {
      const daily = timetable({ schedule: "0 12 * * *", startDate });
      const last = { start: at("2024-01-09T12:00Z"), end: at("2024-01-10T12:00Z") };
      const next = daily.nextRun(last, at("2024-01-10T13:00Z"));
      assert.deepEqual(show(next), run("2024-01-10T12:00Z", "2024-01-11T12:00Z"));
      assert.deepEqual(daily.dueRuns(last, at("2024-01-10T13:00Z"), 10), { due: [], truncated: false });
    });

    it("a start date in the future delays the first run even without catchup", () => {
      const future = timetable({ schedule: "0 12 * * *", startDate: at("2024-06-01T00:00Z"), catchup: false });
      assert.deepEqual(
        show(future.nextRun(null, at("2024-01-10T13:00Z"))),
        run("2024-06-01T12:00Z", "2024-06-02T12:00Z"),
      );
    });
  });

  it("dueRuns stops at the limit and says so", () => {
    const daily = timetable({ schedule: "@daily", startDate: at("2024-01-01T00:00Z") });
    const { due, truncated } = daily.dueRuns(null, at("2024-02-01T00:00Z"), 5);
    assert.equal(due.length, 5);
    assert.equal(truncated, true);
    assert.equal(daily.dueRuns(null, at("2024-01-06T00:00Z"), 5).truncated, false);
  });

  describe("@once", () => {
    const once = timetable({ schedule: "@once", startDate: at("2024-01-01T08:00Z") });

    it("runs once, at startDate, with the data interval [startDate, startDate]", () => {
      assert.deepEqual(
        show(once.nextRun(null, at("2023-12-01T00:00Z"))),
        run("2024-01-01T08:00Z", "2024-01-01T08:00Z"),
      );
      assert.deepEqual(once.dueRuns(null, at("2024-01-01T07:59Z"), 10).due, []);
      assert.deepEqual(once.dueRuns(null, at("2030-01-01T00:00Z"), 10).due.map(show), [
        run("2024-01-01T08:00Z", "2024-01-01T08:00Z"),
      ]);
    });

    it("never again once it has run, catchup or not", () => {
      const last = { start: at("2024-01-01T08:00Z"), end: at("2024-01-01T08:00Z") };
      assert.equal(once.nextRun(last, at("2030-01-01T00:00Z")), null);
      const noCatchup = timetable({ schedule: "@once", startDate: at("2024-01-01T08:00Z"), catchup: false });
      assert.equal(noCatchup.dueRuns(null, at("2030-01-01T00:00Z"), 10).due.length, 1);
    });
  });

  describe("a fixed interval (2h): with catchup it counts from startDate, without it from the Unix epoch", () => {
    const every2h = timetable({ schedule: "2h", startDate: at("2024-01-01T00:30Z") });

    it("with catchup", () => {
      const { due } = every2h.dueRuns(null, at("2024-01-01T06:45Z"), 100);
      assert.deepEqual(due.map(show), [
        run("2024-01-01T00:30Z", "2024-01-01T02:30Z"),
        run("2024-01-01T02:30Z", "2024-01-01T04:30Z"),
        run("2024-01-01T04:30Z", "2024-01-01T06:30Z"),
      ]);
      assert.deepEqual(
        show(
          every2h.nextRun({ start: due[2]!.dataIntervalStart, end: due[2]!.dataIntervalEnd }, at("2024-01-01T06:45Z")),
        ),
        run("2024-01-01T06:30Z", "2024-01-01T08:30Z"),
      );
    });

    it("without catchup, the latest complete interval counted from the epoch (Airflow's DeltaDataIntervalTimetable)", () => {
      const noCatchup = timetable({ schedule: "2h", startDate: at("2024-01-01T00:30Z"), catchup: false });
      assert.deepEqual(noCatchup.dueRuns(null, at("2024-01-01T06:45Z"), 100).due.map(show), [
        run("2024-01-01T04:00Z", "2024-01-01T06:00Z"),
      ]);
    });

    it("a 30m DAG started at 17:07 and looked at 20:07 gets 19:30-20:00, then 20:00-20:30", () => {
      const halfHourly = timetable({ schedule: "30m", startDate: at("2024-05-01T17:07Z"), catchup: false });
      const { due } = halfHourly.dueRuns(null, at("2024-05-01T20:07Z"), 100);
      assert.deepEqual(due.map(show), [run("2024-05-01T19:30Z", "2024-05-01T20:00Z")]);
      assert.deepEqual(
        show(
          halfHourly.nextRun(
            { start: due[0]!.dataIntervalStart, end: due[0]!.dataIntervalEnd },
            at("2024-05-01T20:07Z"),
          ),
        ),
        run("2024-05-01T20:00Z", "2024-05-01T20:30Z"),
      );
    });

    it("without catchup, a start date later than the epoch-aligned interval is where the first run starts", () => {
      const late = timetable({ schedule: "6h", startDate: at("2024-05-01T17:07Z"), catchup: false });
      assert.deepEqual(late.dueRuns(null, at("2024-05-01T23:30Z"), 100).due.map(show), [
        run("2024-05-01T17:07Z", "2024-05-01T23:07Z"),
      ]);
    });
  });

  describe("endDate bounds the last interval, as Airflow's: the last run is the one whose interval starts at or before it", () => {
    it("a daily DAG ending 2024-01-05 runs for 2024-01-01 to 2024-01-05, then stops", () => {
      const bounded = timetable({
        schedule: "@daily",
        startDate: at("2024-01-01T00:00Z"),
        endDate: at("2024-01-05T00:00Z"),
      });
      const { due } = bounded.dueRuns(null, at("2024-03-01T00:00Z"), 100);
      assert.deepEqual(
        due.map((r) => r.logicalDate.toISOString().slice(0, 10)),
        ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"],
      );
      const last = due[4]!;
      assert.equal(
        bounded.nextRun({ start: last.dataIntervalStart, end: last.dataIntervalEnd }, at("2024-03-01T00:00Z")),
        null,
      );
    });

    it("an interval that starts after endDate is left out", () => {
      const bounded = timetable({
        schedule: "@daily",
        startDate: at("2024-01-01T00:00Z"),
        endDate: at("2024-01-04T12:00Z"),
      });
      assert.deepEqual(
        bounded.dueRuns(null, at("2024-03-01T00:00Z"), 100).due.map((r) => r.logicalDate.toISOString().slice(0, 10)),
        ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"],
      );
    });

    it("an endDate before the first interval starts means no run at all", () => {
      const never = timetable({
        schedule: "0 12 * * *",
        startDate: at("2024-01-01T00:00Z"),
        endDate: at("2024-01-01T11:00Z"),
      });
      assert.equal(never.nextRun(null, at("2024-03-01T00:00Z")), null);
    });
  });

  describe("manual runs (infer_manual_data_interval)", () => {
    it("cron: the latest complete interval ending at or before the trigger; logical date = trigger time", () => {
      const daily = timetable({ schedule: "@daily", startDate: at("2024-01-01T00:00Z") });
      assert.deepEqual(show(daily.manualRun(at("2024-01-25T01:00Z"))), {
        logicalDate: "2024-01-25T01:00:00.000Z",
        interval: "2024-01-24T00:00:00.000Z - 2024-01-25T00:00:00.000Z",
        runAfter: "2024-01-25T01:00:00.000Z",
      });
      assert.deepEqual(
        show(daily.manualRun(at("2024-01-25T00:00Z")))!.interval,
        "2024-01-24T00:00:00.000Z - 2024-01-25T00:00:00.000Z",
      );
    });

    it("fixed interval: one interval's length, ending at the trigger", () => {
      const every2h = timetable({ schedule: "2h", startDate: at("2024-01-01T00:30Z") });
      assert.equal(
        show(every2h.manualRun(at("2024-01-02T10:00Z")))!.interval,
        "2024-01-02T08:00:00.000Z - 2024-01-02T10:00:00.000Z",
      );
    });

    it("manual-only and @once: the instant of the trigger", () => {
      for (const schedule of [null, "@once"]) {
        const t = timetable({ schedule, startDate: at("2024-01-01T00:00Z") });
        assert.equal(
          show(t.manualRun(at("2024-01-02T10:00Z")))!.interval,
          "2024-01-02T10:00:00.000Z - 2024-01-02T10:00:00.000Z",
        );
      }
    });
  });

  it("manual-only schedules never run on their own", () => {
    const manual = timetable({ schedule: null, startDate: at("2024-01-01T00:00Z") });
    assert.equal(manual.nextRun(null, at("2030-01-01T00:00Z")), null);
    assert.deepEqual(manual.dueRuns(null, at("2030-01-01T00:00Z"), 10), { due: [], truncated: false });
  });
});
