import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkRunIds, RUN_ID_CASES, readRunIdGolden, SEED } from "./conformance/golden.js";

// Airflow's `DagRun.generate_run_id` answers were recorded by `npm run conformance` from real
// Airflow 2.10.5 and 3.1.3; Kitelab's scheduler, backfills and triggers must name runs the same way.
describe("run ids conform to Apache Airflow (committed goldens)", () => {
  const golden = readRunIdGolden();

  it("the goldens are the generator's current cases", () => {
    assert.equal(golden.seed, SEED);
    assert.equal(golden.cases.length, RUN_ID_CASES);
    assert.ok(golden.airflow.length > 0);
  });

  for (const row of checkRunIds(golden)) {
    it(`${row.area}: all ${row.cases} cases agree with Airflow`, () => {
      assert.equal(row.differing, 0, row.differences.slice(0, 10).join("\n"));
      assert.equal(row.airflowErrors, 0);
    });
  }
});
