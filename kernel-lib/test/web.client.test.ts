import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import * as tour from "./helpers/airflowClientTour.js";
import { contractDagsParsed, startContractStandalone } from "./helpers/contractDags.js";
import type { StandaloneProcess } from "./helpers/standaloneProcess.js";
import { tempHome } from "./helpers/tempHome.js";

// Apache Airflow's own generated Python client (apache-airflow-client 2.10.0, installed by
// `npm run setup` from scripts/requirements.txt) against a real `kitelab standalone`.
describe(
  "Airflow's official Python client (apache-airflow-client 2.10) on kitelab standalone",
  { skip: existsSync(tour.VENV_PYTHON) ? false : `no ${tour.VENV_PYTHON}: run \`npm run setup\`` },
  () => {
    const home = tempHome("kitelab-client-");
    let kitelab: StandaloneProcess;
    let calls: tour.TourCall[] = [];

    before(async () => {
      kitelab = await startContractStandalone(home);
      await contractDagsParsed(() => tour.listedDags(`${kitelab.url}api/v1`, kitelab.token));
      calls = await tour.tourOf("drive_v1.py", [`${kitelab.url}api/v1`, kitelab.token]);
    });

    after(async () => {
      await kitelab?.stop();
      home.cleanup();
    });

    it("succeeds on every call a course makes", () => {
      const failed = tour.failuresOf(calls);
      assert.deepEqual(failed, [], `${failed.length} of ${calls.length} calls failed:\n${failed.join("\n\n")}`);
      assert.ok(calls.length >= 50, `expected the whole tour, got ${calls.length} calls`);
    });
  },
);
