import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createTimetable, previewSchedule, type RunInfo, type TimetableOptions } from "../src/timetable/index.js";

const DAY = 86_400_000;
/** Ends and starts of daylight saving time in the zones below (UTC instants). */
const DST_CHANGES = [
  "2021-10-31T01:00Z",
  "2021-11-07T06:00Z",
  "2022-04-02T15:00Z",
  "2022-03-27T01:00Z",
  "2022-03-13T07:00Z",
  "2022-10-01T15:30Z",
];

const schedules = fc.oneof(
  fc.constantFrom("@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@once", "@midnight"),
  fc.tuple(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 23 })).map(([m, h]) => `${m} ${h} * * *`),
  fc
    .tuple(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 6 }))
    .map(([m, h, d]) => `${m} ${h} * * ${d}`),
  fc.constantFrom(5, 10, 15, 20, 30).map((step) => `*/${step} * * * *`),
  fc.constantFrom("0 9-17 * * MON-FRI", "30 2 * * *", "0 0 1,15 * *", "0 3 * * SUN#1"),
  fc.integer({ min: 1, max: 48 }).map((hours) => `${hours}h`),
  fc.integer({ min: 7, max: 240 }).map((minutes) => `${minutes}m`),
);

const scenarios = fc.record({
  schedule: schedules,
  timezone: fc.constantFrom("UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"),
  startDate: fc.oneof(
    fc.date({ min: new Date("2020-01-01T00:00Z"), max: new Date("2025-01-01T00:00Z"), noInvalidDate: true }),
    // A day or two before a change of clocks, so that hourly runs walk through it.
    fc
      .tuple(fc.constantFrom(...DST_CHANGES), fc.integer({ min: -2 * DAY, max: 0 }))
      .map(([change, offset]) => new Date(Date.parse(change) + offset)),
  ),
  nowAfterStart: fc.integer({ min: -5 * DAY, max: 45 * DAY }),
  endAfterStart: fc.option(fc.integer({ min: 0, max: 60 * DAY }), { nil: undefined }),
  catchup: fc.boolean(),
  semantics: fc.constantFrom("airflow2" as const, "airflow3" as const),
});

type Scenario = typeof scenarios extends fc.Arbitrary<infer T> ? T : never;

function optionsOf(scenario: Scenario): TimetableOptions & { now: Date } {
  const start = scenario.startDate.getTime();
  return {
    schedule: scenario.schedule,
    timezone: scenario.timezone,
    startDate: scenario.startDate,
    endDate: scenario.endAfterStart === undefined ? undefined : new Date(start + scenario.endAfterStart),
    catchup: scenario.catchup,
    semantics: scenario.semantics,
    now: new Date(start + scenario.nowAfterStart),
  };
}

const LIMIT = 400;

describe("timetable properties (random schedules, zones, dates)", () => {
  it("due runs: logical date = interval start, increasing, contiguous with catchup, all due, next not due", () => {
    fc.assert(
      fc.property(scenarios, (scenario) => {
        const options = optionsOf(scenario);
        const preview = previewSchedule({ ...options, limit: LIMIT });
        assert.ok(preview.ok, preview.ok ? "" : preview.error);
        const { due, next, truncated } = preview.value;
        const runs: RunInfo[] = next && !truncated ? [...due, next] : due;

        for (const run of runs) {
          assert.equal(
            run.logicalDate.getTime(),
            run.dataIntervalStart.getTime(),
            "logical date is the interval start",
          );
          assert.ok(run.dataIntervalEnd >= run.dataIntervalStart, "intervals are not reversed");
          assert.ok(
            run.dataIntervalStart >= options.startDate || scenario.schedule === "@once",
            "nothing before startDate",
          );
          if (options.endDate) assert.ok(run.dataIntervalStart <= options.endDate, "no interval starts after endDate");
          if (options.semantics === "airflow2") {
            assert.ok(run.runAfter >= run.dataIntervalEnd, "airflow2 runs after its interval ends");
          } else {
            assert.equal(run.runAfter.getTime(), run.logicalDate.getTime(), "airflow3 runs at its logical date");
            assert.equal(
              run.dataIntervalEnd.getTime(),
              run.dataIntervalStart.getTime(),
              "airflow3 intervals have length zero",
            );
          }
        }
        for (let index = 1; index < runs.length; index++) {
          const [previous, current] = [runs[index - 1]!, runs[index]!];
          assert.ok(current.logicalDate > previous.logicalDate, "logical dates increase");
          if (options.semantics === "airflow2" && (options.catchup || index === runs.length - 1)) {
            assert.equal(
              current.dataIntervalStart.getTime(),
              previous.dataIntervalEnd.getTime(),
              "intervals are contiguous",
            );
          }
        }
        for (const run of due) assert.ok(run.runAfter <= options.now, "every listed run is due");
        if (next) assert.ok(next.runAfter > options.now, "next is not due yet");
        if (!truncated && options.endDate === undefined && scenario.schedule !== "@once")
          assert.ok(next, "a schedule without an end always has a next run");
        if (!options.catchup) assert.ok(due.length <= 1, "without catchup at most one run is due");
        assert.equal(truncated, due.length === LIMIT && truncated);
      }),
      {
        numRuns: 150,
        // An hourly DAG in Paris walking through the end of DST (it stalled there once).
        examples: [
          [
            {
              schedule: "@hourly",
              timezone: "Europe/Paris",
              startDate: new Date("2021-10-30T01:00Z"),
              nowAfterStart: 2 * DAY,
              endAfterStart: undefined,
              catchup: true,
              semantics: "airflow2" as const,
            },
          ],
        ],
      },
    );
  });

  it("dueRuns is nextRun applied until the next run is in the future", () => {
    fc.assert(
      fc.property(scenarios, (scenario) => {
        const { now, ...options } = optionsOf(scenario);
        const timetable = createTimetable(options);
        assert.ok(timetable.ok);
        const { due } = timetable.value.dueRuns(null, now, LIMIT);
        let last: { start: Date; end: Date } | null = null;
        const walked: RunInfo[] = [];
        for (
          let run = timetable.value.nextRun(null, now);
          run && run.runAfter <= now && walked.length < LIMIT;
          run = timetable.value.nextRun(last, now)
        ) {
          walked.push(run);
          last = { start: run.dataIntervalStart, end: run.dataIntervalEnd };
        }
        assert.deepEqual(due, walked);
      }),
      { numRuns: 100 },
    );
  });
});
