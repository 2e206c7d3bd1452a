import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { kitelabUrls } from "../../src/urls.js";

describe("kitelabUrls", () => {
  it("puts the scheduler under <base_url>kitelab/, as jupyter-server-proxy serves it", () => {
    const urls = kitelabUrls("http://localhost:8888/user/ada/");
    assert.equal(urls.status, "http://localhost:8888/user/ada/kitelab/");
    assert.equal(urls.dagsPage, "http://localhost:8888/user/ada/kitelab/dags");
    assert.equal(urls.health, "http://localhost:8888/user/ada/kitelab/health");
    assert.equal(urls.api("dags/etl/dagRuns"), "http://localhost:8888/user/ada/kitelab/api/v1/dags/etl/dagRuns");
  });

  it("asks the process endpoint outside the proxy, so polling never starts the scheduler", () => {
    const urls = kitelabUrls("http://localhost:8888/");
    assert.equal(urls.schedulerProcess, "http://localhost:8888/api/kitelab/scheduler");
    assert.ok(!urls.schedulerProcess.startsWith(urls.status));
  });

  it("accepts a base URL without its trailing slash", () => {
    assert.equal(
      kitelabUrls("http://h:1/lab-base").api("/importErrors"),
      "http://h:1/lab-base/kitelab/api/v1/importErrors",
    );
  });

  it("rejects an empty base URL with what it expected", () => {
    assert.throws(() => kitelabUrls(""), /Expected `baseUrl` to be a non-empty string/);
  });
});
