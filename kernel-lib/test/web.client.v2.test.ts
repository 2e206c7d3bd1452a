import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import * as tour from "./helpers/airflowClientTour.js";
import { contractDagsParsed, startContractStandalone } from "./helpers/contractDags.js";
import type { StandaloneProcess } from "./helpers/standaloneProcess.js";
import { tempHome } from "./helpers/tempHome.js";

// Apache Airflow's own generated Python client for Airflow 3 (apache-airflow-client 3.1.3,
// installed by `npm run setup` from scripts/requirements-airflow3-client.txt into
// .venv/airflow3-client) against a real `kitelab standalone`: it logs in at POST /auth/token
// and drives /api/v2 with the access token it got.
const missing = [tour.VENV_PYTHON, tour.AIRFLOW3_CLIENT].find((path) => !existsSync(path));

describe(
  "Airflow 3's official Python client (apache-airflow-client 3.1) on kitelab standalone",
  { skip: missing === undefined ? false : `no ${missing}: run \`npm run setup\`` },
  () => {
    const home = tempHome("kitelab-client-v2-");
    let kitelab: StandaloneProcess;
    let calls: tour.TourCall[] = [];

    before(async () => {
      kitelab = await startContractStandalone(home);
      await contractDagsParsed(() => tour.listedDags(`${kitelab.url}api/v2`, kitelab.token));
      calls = await tour.tourOf("drive_v2.py", [kitelab.url, kitelab.token], tour.AIRFLOW3_ENV);
    });

    after(async () => {
      await kitelab?.stop();
      home.cleanup();
    });

    it("runs Airflow 3's client, not Airflow 2's", async () => {
      const { stdout } = await tour.runPython(
        ["-c", "import airflow_client.client as c; print(c.__version__)"],
        tour.AIRFLOW3_ENV,
      );
      assert.match(stdout.trim(), /^3\.1\./);
    });

    it("logs in and succeeds on every call a course makes", () => {
      const failed = tour.failuresOf(calls);
      assert.deepEqual(failed, [], `${failed.length} of ${calls.length} calls failed:\n${failed.join("\n\n")}`);
      assert.equal(calls[0]?.name, "POST /auth/token");
      assert.ok(calls.length >= 55, `expected the whole tour, got ${calls.length} calls`);
    });
  },
);
