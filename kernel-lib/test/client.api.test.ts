import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { callApi, parseJson } from "../src/client/apiClient.js";
import type { SchedulerEndpoint } from "../src/scheduler/endpoint.js";

/** A stand-in for what sits between a notebook and the scheduler: the API itself, or a proxy in front of it. */
describe("the API client carries the HTTP status of a refusal", () => {
  let server: Server;
  let endpoint: SchedulerEndpoint;

  before(async () => {
    server = createServer((req, res) => {
      if (req.url === "/api/v1/dags/known") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ dag_id: "known" }));
      } else if (req.url === "/api/v1/dags/unknown") {
        res
          .writeHead(404, { "content-type": "application/problem+json" })
          .end(JSON.stringify({ status: 404, title: "DAG not found", detail: "DAG 'unknown' was not found" }));
      } else {
        res
          .writeHead(502, "Bad Gateway", { "content-type": "text/html" })
          .end("<html><body><h1>502 Bad Gateway</h1></body></html>");
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    endpoint = { pid: process.pid, url: `http://127.0.0.1:${port}/`, startedAt: new Date().toISOString() };
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it("returns the JSON of an answer", async () => {
    assert.deepEqual(await callApi(endpoint, "token", "GET", "/dags/known"), { dag_id: "known" });
  });

  it("a problem answer is an ApiError with its status and detail", async () => {
    await assert.rejects(callApi(endpoint, "token", "GET", "/dags/unknown"), {
      name: "ApiError",
      status: 404,
      message: "DAG 'unknown' was not found",
    });
  });

  it("an HTML error page is an ApiError naming the status, never parsed or shown", async () => {
    await assert.rejects(callApi(endpoint, "token", "GET", "/health"), {
      name: "ApiError",
      status: 502,
      message: "the scheduler answered GET /health with HTTP 502 Bad Gateway",
    });
  });

  it("a scheduler that cannot be reached is an ApiError with status 0", async () => {
    const gone = { ...endpoint, url: "http://127.0.0.1:1/" };
    await assert.rejects(callApi(gone, "token", "GET", "/dags"), (error: Error & { status?: number }) => {
      assert.equal(error.name, "ApiError");
      assert.equal(error.status, 0);
      assert.match(error.message, /cannot reach the scheduler \(pid \d+\) at http:\/\/127\.0\.0\.1:1\//);
      return true;
    });
  });
});

describe("reading a response body as JSON", () => {
  it("gives the value of JSON and undefined for an empty body or an HTML page", () => {
    assert.deepEqual(parseJson('{"scheduler":{"status":"healthy"}}'), { scheduler: { status: "healthy" } });
    assert.equal(parseJson(""), undefined);
    assert.equal(parseJson("<html><body>502 Bad Gateway</body></html>"), undefined);
  });
});
