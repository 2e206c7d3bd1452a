import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { checkGolden, MANUAL_CASES, readGolden, SCHEDULE_CASES, SEED } from "./conformance/golden.js";

// Airflow's answers were recorded by `npm run conformance` from real Airflow 2.10.5 and 3.1.3;
// here Kitelab must give the same ones, without Airflow installed.
describe("conformance with Apache Airflow (committed goldens)", () => {
  const golden = readGolden();

  it("the goldens are the generator's current cases (re-run npm run conformance after changing it)", () => {
    assert.equal(golden.seed, SEED);
    assert.equal(golden.schedules.length, SCHEDULE_CASES);
    assert.equal(golden.manual.length, MANUAL_CASES);
    assert.ok(golden.schedules.length >= 1000);
  });

  for (const row of checkGolden(golden)) {
    it(`${row.area}: all ${row.cases} cases agree with Airflow`, () => {
      assert.equal(row.differing, 0, row.differences.slice(0, 5).join("\n"));
      assert.ok(row.airflowErrors <= row.cases / 100, "Airflow failed on more than 1% of the cases: check the driver");
    });
  }
});
