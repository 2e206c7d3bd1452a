import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CRON_PRESETS, parseSchedule } from "../src/timetable/index.js";

function errorOf(expr: string): string {
  const result = parseSchedule(expr);
  assert.equal(result.ok, false, `expected ${JSON.stringify(expr)} to be rejected`);
  return result.ok ? "" : result.error;
}

describe("parseSchedule: what a schedule can be", () => {
  it("null means manual runs only", () => {
    assert.deepEqual(parseSchedule(null), { ok: true, value: { kind: "manual" } });
  });

  it("a five-field cron expression", () => {
    assert.deepEqual(parseSchedule("0 12 * * *"), { ok: true, value: { kind: "cron", expression: "0 12 * * *" } });
    assert.deepEqual(parseSchedule("  */15  9-17 * * mon-fri "), {
      ok: true,
      value: { kind: "cron", expression: "*/15 9-17 * * MON-FRI" },
    });
  });

  it("accepts lists, ranges, steps, month and weekday names, L and #", () => {
    for (const expr of [
      "0 6,18 * * *",
      "30 1-5/2 * * *",
      "0 0 1 JAN,JUL *",
      "0 0 * * 7",
      "0 0 L * *",
      "0 9 * * MON#1",
      "0 0 1/5 * *",
    ]) {
      assert.equal(parseSchedule(expr).ok, true, expr);
    }
  });

  it("the presets Airflow knows, @annually and @midnight included", () => {
    const expected: Record<string, string> = {
      "@hourly": "0 * * * *",
      "@daily": "0 0 * * *",
      "@midnight": "0 0 * * *",
      "@weekly": "0 0 * * 0",
      "@monthly": "0 0 1 * *",
      "@yearly": "0 0 1 1 *",
      "@annually": "0 0 1 1 *",
    };
    for (const [preset, expression] of Object.entries(expected)) {
      assert.equal(CRON_PRESETS[preset], expression);
      assert.deepEqual(parseSchedule(preset), { ok: true, value: { kind: "cron", expression, preset } });
    }
    assert.deepEqual(parseSchedule("@once"), { ok: true, value: { kind: "once" } });
  });

  it("a fixed interval, in milliseconds", () => {
    assert.deepEqual(parseSchedule("30m"), {
      ok: true,
      value: { kind: "interval", milliseconds: 1_800_000, text: "30m" },
    });
    assert.deepEqual(parseSchedule("2h"), {
      ok: true,
      value: { kind: "interval", milliseconds: 7_200_000, text: "2h" },
    });
    assert.deepEqual(parseSchedule("1d"), {
      ok: true,
      value: { kind: "interval", milliseconds: 86_400_000, text: "1d" },
    });
    assert.deepEqual(parseSchedule("1h30m"), {
      ok: true,
      value: { kind: "interval", milliseconds: 5_400_000, text: "1h30m" },
    });
  });
});

describe("parseSchedule: mistakes are named", () => {
  it("an out-of-range cron field names the field, the value and the range", () => {
    assert.equal(errorOf("0 25 * * *"), 'Invalid schedule "0 25 * * *": the hour field is "25", expected 0-23');
    assert.equal(errorOf("60 * * * *"), 'Invalid schedule "60 * * * *": the minute field is "60", expected 0-59');
    assert.equal(errorOf("0 0 32 * *"), 'Invalid schedule "0 0 32 * *": the day of month field is "32", expected 1-31');
    assert.equal(errorOf("0 0 0 * *"), 'Invalid schedule "0 0 0 * *": the day of month field is "0", expected 1-31');
    assert.equal(
      errorOf("0 0 * 13 *"),
      'Invalid schedule "0 0 * 13 *": the month field is "13", expected 1-12 or JAN-DEC',
    );
    assert.equal(
      errorOf("0 0 * * 8"),
      'Invalid schedule "0 0 * * 8": the day of week field is "8", expected 0-7 or SUN-SAT',
    );
  });

  it("names the bad item inside lists and ranges, and reversed ranges", () => {
    assert.match(errorOf("0 1,2,99 * * *"), /the hour field is "1,2,99", expected 0-23/);
    assert.match(errorOf("0 0 * * MON-FRY"), /the day of week field is "MON-FRY", expected 0-7 or SUN-SAT/);
    assert.match(errorOf("0 17-9 * * *"), /the hour field is "17-9", expected a range from low to high within 0-23/);
    assert.match(
      errorOf("*/0 * * * *"),
      /the minute field is "\*\/0", expected a step after "\/" that is a positive whole number/,
    );
    assert.match(errorOf("x * * * *"), /the minute field is "x", expected 0-59/);
  });

  it("the wrong number of fields", () => {
    assert.match(errorOf("0 12 * *"), /expected 5 fields \(minute hour day-of-month month day-of-week\), got 4/);
    assert.match(errorOf("0 0 12 * * *"), /got 6 \(a seconds field is not supported\)/);
  });

  it("a date that never exists", () => {
    assert.match(errorOf("0 0 31 2 *"), /matches no date/);
  });

  it("a preset typo suggests the preset", () => {
    assert.match(errorOf("@daly"), /Did you mean "@daily"\?$/);
    assert.match(errorOf("@hourli"), /Did you mean "@hourly"\?$/);
    assert.match(errorOf("@weakly"), /Did you mean "@weekly"\?$/);
    assert.match(errorOf("daily"), /Did you mean "@daily"\?$/);
    assert.doesNotMatch(errorOf("@fortnightly"), /Did you mean/);
  });

  it("zero, garbage and the string 'none'", () => {
    assert.match(errorOf("0m"), /longer than zero/);
    assert.match(errorOf(""), /expected a cron expression/);
    assert.match(errorOf("soon"), /expected a cron expression such as "0 12 \* \* \*"/);
    assert.match(errorOf("none"), /use schedule: null/);
  });
});
