import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AIRFLOW_FOR, checkTemplates, readTemplateGolden } from "./conformance/golden.js";
import { TEMPLATE_CASES, TEMPLATE_RUN } from "./conformance/templateCases.js";

// Airflow's renderings were recorded by `npm run conformance -- --only templates`: one
// BashOperator in a real `airflow dags test` (2.10.5 and 3.1.3) wrote each case to a file.
// Here Kitelab's BashOperator, in dag.test() with the same run, must write the same text.
describe("templates render as in Apache Airflow (committed goldens)", async () => {
  const golden = readTemplateGolden();

  it("the goldens are the current cases and run (re-run the conformance harness after changing them)", () => {
    assert.deepEqual(golden.run, TEMPLATE_RUN);
    assert.deepEqual(
      golden.cases.map((c) => [c.id, c.jinja, c.kitelab]),
      TEMPLATE_CASES.map((c) => [c.id, c.jinja, c.kitelab]),
    );
    assert.deepEqual(golden.airflow, Object.values(AIRFLOW_FOR));
  });

  for (const row of await checkTemplates(golden)) {
    it(`${row.area}: all ${row.cases} cases agree with Airflow`, () => {
      assert.equal(row.differing, 0, row.differences.join("\n"));
      assert.ok(row.cases >= 50, `only ${row.cases} cases`);
    });
  }
});
