import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createTimetable, type RunInfo, type Timetable, type TimetableOptions } from "../src/timetable/index.js";

const at = (iso: string) => new Date(iso);

function timetable(options: Partial<TimetableOptions> & { schedule: string | null; startDate: Date }): Timetable {
  const result = createTimetable({ catchup: true, semantics: "airflow3", ...options });
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

/** An Airflow 3 run: every field is the scheduled instant. */
function fired(iso: string): RunInfo {
  const time = at(iso);
  return { logicalDate: time, dataIntervalStart: time, dataIntervalEnd: time, runAfter: time };
}

describe("Airflow 3 semantics: a run fires at its scheduled time and is named after it", () => {
  it("the weekly run of Monday 2021-01-04 05:00 is due at that instant, not a week later", () => {
    const weekly = timetable({ schedule: "0 5 * * 1", startDate: at("2021-01-04T05:00Z") });
    assert.deepEqual(weekly.dueRuns(null, at("2021-01-04T04:59Z"), 10).due, []);
    assert.deepEqual(weekly.dueRuns(null, at("2021-01-04T05:00Z"), 10).due, [fired("2021-01-04T05:00Z")]);
    assert.deepEqual(
      weekly.nextRun(
        weekly
          .dueRuns(null, at("2021-01-04T05:00Z"), 10)
          .due.map((r) => ({ start: r.dataIntervalStart, end: r.dataIntervalEnd }))[0]!,
        at("2021-01-04T05:00Z"),
      ),
      fired("2021-01-11T05:00Z"),
    );
  });

  it("with catchup, one run per scheduled time since startDate", () => {
    const daily = timetable({ schedule: "0 12 * * *", startDate: at("2024-01-01T00:00Z") });
    assert.deepEqual(daily.dueRuns(null, at("2024-01-03T12:00Z"), 10).due, [
      fired("2024-01-01T12:00Z"),
      fired("2024-01-02T12:00Z"),
      fired("2024-01-03T12:00Z"),
    ]);
  });

  it("without catchup, only the latest scheduled time at or before now", () => {
    const daily = timetable({ schedule: "0 12 * * *", startDate: at("2024-01-01T00:00Z"), catchup: false });
    assert.deepEqual(daily.dueRuns(null, at("2024-01-10T13:00Z"), 10).due, [fired("2024-01-10T12:00Z")]);
    const last = { start: at("2024-01-02T12:00Z"), end: at("2024-01-02T12:00Z") };
    assert.deepEqual(daily.nextRun(last, at("2024-01-10T13:00Z")), fired("2024-01-10T12:00Z"));
  });

  it("a fixed interval fires at startDate and every interval after it", () => {
    const every2h = timetable({ schedule: "2h", startDate: at("2024-01-01T00:30Z") });
    assert.deepEqual(every2h.dueRuns(null, at("2024-01-01T05:00Z"), 10).due, [
      fired("2024-01-01T00:30Z"),
      fired("2024-01-01T02:30Z"),
      fired("2024-01-01T04:30Z"),
    ]);
  });

  it("endDate: no run fires after it", () => {
    const daily = timetable({
      schedule: "@daily",
      startDate: at("2024-01-01T00:00Z"),
      endDate: at("2024-01-03T00:00Z"),
    });
    assert.equal(daily.dueRuns(null, at("2024-02-01T00:00Z"), 10).due.length, 3);
  });

  it("a manual run covers the instant it was triggered", () => {
    const daily = timetable({ schedule: "@daily", startDate: at("2024-01-01T00:00Z") });
    assert.deepEqual(daily.manualRun(at("2024-01-25T01:00Z")), fired("2024-01-25T01:00Z"));
  });

  it("@once is the same as in Airflow 2", () => {
    const once = timetable({ schedule: "@once", startDate: at("2024-01-01T08:00Z") });
    assert.deepEqual(once.dueRuns(null, at("2024-02-01T00:00Z"), 10).due, [fired("2024-01-01T08:00Z")]);
  });
});
