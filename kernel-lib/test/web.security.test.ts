import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import { readTaskLog } from "../src/web/logs.js";
import { renderMarkdown } from "../src/web/markdown.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listOutbox, readOutboxMessage } from "../src/notify/index.js";
import { withoutServerPaths } from "../src/web/edgeChecks.js";
import { FakeKitelab, fakeOutbox, serializedDag, signedInHeaders, startWebApp } from "./helpers/webFakes.js";

type App = Awaited<ReturnType<typeof startWebApp>>;
const TOKEN = "s3cret-token";
const HOSTILE = `<img src=x onerror=alert(1)>`;

function world(): FakeKitelab {
  const fake = new FakeKitelab();
  fake.addDag(serializedDag("etl", [{ taskId: "extract" }, { taskId: "load", upstream: ["extract"] }]));
  fake.addRun(
    "etl",
    { state: "failed", logicalDate: "2024-01-01T00:00:00Z", runId: "r1" },
    { extract: "success", load: "failed" },
  );
  return fake;
}

async function csrfOf(app: App, headers: Record<string, string> = {}): Promise<string> {
  const page = await (await fetch(`${app.url}/dags`, { headers })).text();
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  assert.ok(match, "a signed-in page carries a CSRF token");
  return match[1]!;
}

function formPost(app: App, path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(app.url + path, { method: "POST", body: new URLSearchParams(fields), redirect: "manual", headers });
}

/** A raw request, for headers fetch does not let a caller set (Host). */
function rawRequest(
  app: App,
  options: { method: string; path: string; headers: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  const url = new URL(app.url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method: options.method, path: options.path, headers: options.headers },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

describe("API writes need the token", () => {
  let app: App;
  before(async () => {
    app = await startWebApp({ world: world() });
  });
  after(() => app.close());
  const trigger = (headers: Record<string, string>) =>
    fetch(`${app.url}/api/v1/dags/etl/dagRuns`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body: "{}",
    });

  it("answers 401 with WWW-Authenticate without a token, and does not trigger", async () => {
    const response = await trigger({});
    assert.equal(response.status, 401);
    assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer/);
    assert.match(((await response.json()) as any).detail, /Authorization: Bearer/);
    assert.equal(app.world.calls.trigger.length, 0);
  });

  it("answers 403 with a wrong token, in either header", async () => {
    assert.equal((await trigger({ Authorization: "Bearer nope" })).status, 403);
    assert.equal((await trigger({ "X-Kitelab-Token": "nope" })).status, 403);
    assert.equal(app.world.calls.trigger.length, 0);
  });

  it("accepts the token as a Bearer token or in X-Kitelab-Token (the JupyterLab proxy's header)", async () => {
    assert.equal((await trigger({ Authorization: `Bearer ${TOKEN}` })).status, 200);
    assert.equal((await trigger({ "X-Kitelab-Token": TOKEN })).status, 200);
  });

  it("accepts the token as the password of Basic auth, as Airflow 2 scripts send it, and refuses a wrong one", async () => {
    const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    assert.equal((await trigger({ Authorization: basic("admin", TOKEN) })).status, 200);
    assert.equal((await trigger({ Authorization: basic("admin", "admin") })).status, 403);
    assert.equal((await trigger({ Authorization: `Basic ${Buffer.from(TOKEN).toString("base64")}` })).status, 403);
  });

  it("guards PATCH and clearTaskInstances the same way", async () => {
    const patch = await fetch(`${app.url}/api/v1/dags/etl`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: '{"is_paused": true}',
    });
    assert.equal(patch.status, 401);
    const clear = await fetch(`${app.url}/api/v1/dags/etl/clearTaskInstances`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: '{"dag_run_id": "r1", "dry_run": false}',
    });
    assert.equal(clear.status, 401);
    assert.equal(app.world.calls.setPaused.length + app.world.calls.clear.length, 0);
  });

  it("does not take the session cookie for API writes (a browser could be made to send it)", async () => {
    const login = await fetch(`${app.url}/login?token=${TOKEN}`, { redirect: "manual" });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
    assert.equal((await trigger({ Cookie: cookie })).status, 401);
  });
});

describe("reads when expose_reads is off", () => {
  let app: App;
  before(async () => {
    app = await startWebApp({ world: world(), exposeReads: false });
  });
  after(() => app.close());

  it("refuses API reads without the token (401) or with a wrong one (403)", async () => {
    assert.equal((await fetch(`${app.url}/api/v1/dags`)).status, 401);
    assert.equal((await fetch(`${app.url}/api/v1/dags`, { headers: { Authorization: "Bearer nope" } })).status, 403);
    assert.equal(
      (await fetch(`${app.url}/api/v1/dags`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status,
      200,
    );
  });

  it("answers pages with a 401 page that offers to sign in", async () => {
    const response = await fetch(`${app.url}/dags`);
    assert.equal(response.status, 401);
    const page = await response.text();
    assert.match(page, /Sign in/);
    assert.match(page, /href="\/login\?next(=|&#x3D;)%2Fdags"/);
  });

  it("signs in with ?token=, setting an HttpOnly SameSite=Strict cookie that opens the pages", async () => {
    const login = await fetch(`${app.url}/login?token=${TOKEN}&next=/dags/etl`, { redirect: "manual" });
    assert.equal(login.status, 303);
    assert.equal(login.headers.get("location"), "/dags/etl");
    const setCookie = login.headers.get("set-cookie") ?? "";
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.doesNotMatch(setCookie, new RegExp(TOKEN), "the cookie holds a derived value, not the token");
    const page = await fetch(`${app.url}/dags/etl`, { headers: { Cookie: setCookie.split(";")[0]! } });
    assert.equal(page.status, 200);
  });

  it("refuses a wrong token at sign-in and never redirects off the site", async () => {
    assert.equal((await fetch(`${app.url}/login?token=nope`, { redirect: "manual" })).status, 403);
    const offsite = await fetch(`${app.url}/login?token=${TOKEN}&next=//evil.example/`, { redirect: "manual" });
    assert.equal(offsite.headers.get("location"), "/dags");
  });

  it("keeps /health open, for health checks", async () => {
    assert.notEqual((await fetch(`${app.url}/health`)).status, 401);
  });
});

describe("the page's buttons need a session bound to the API token", () => {
  let app: App;
  before(async () => {
    app = await startWebApp({ world: world() });
  });
  after(() => app.close());

  it("print no CSRF token into pages read without signing in, and refuse every token-less post (401)", async () => {
    const page = await (await fetch(`${app.url}/dags/etl`)).text();
    assert.doesNotMatch(page, /name="_csrf" value="[^"]/);
    for (const path of ["/dags/etl/trigger", "/dags/etl/pause", "/dags/etl/runs/r1/clear"]) {
      const refused = await formPost(
        app,
        path,
        { _csrf: "", paused: "true" },
        { "Sec-Fetch-Site": "same-origin", Origin: app.url },
      );
      assert.equal(refused.status, 401, path);
    }
    assert.equal(app.world.calls.trigger.length + app.world.calls.setPaused.length + app.world.calls.clear.length, 0);
  });

  it("work from a signed-in session with its own CSRF token, from the same origin", async () => {
    const session = await signedInHeaders(app);
    const response = await formPost(app, "/dags/etl/trigger", { _csrf: await csrfOf(app, session) }, session);
    assert.equal(response.status, 303);
    assert.equal(app.world.calls.trigger.length, 1);
  });

  it("give each session its own CSRF token: another session's token is refused", async () => {
    const [alice, bob] = [await signedInHeaders(app), await signedInHeaders(app)];
    const alices = await csrfOf(app, alice);
    assert.notEqual(alices, await csrfOf(app, bob));
    assert.equal((await formPost(app, "/dags/etl/trigger", { _csrf: alices }, bob)).status, 403);
    assert.equal(app.world.calls.trigger.length, 1);
  });

  it("refuse a post without the CSRF token, or with a wrong one", async () => {
    const session = await signedInHeaders(app);
    assert.equal((await formPost(app, "/dags/etl/trigger", {}, session)).status, 403);
    assert.equal((await formPost(app, "/dags/etl/trigger", { _csrf: "guess" }, session)).status, 403);
    assert.equal((await formPost(app, "/dags/etl/pause", { _csrf: "guess", paused: "true" }, session)).status, 403);
    assert.equal((await formPost(app, "/dags/etl/runs/r1/clear", { _csrf: "guess" }, session)).status, 403);
    assert.equal(app.world.calls.trigger.length, 1);
    assert.equal(app.world.calls.setPaused.length + app.world.calls.clear.length, 0);
  });

  it("refuse a post another site's page sends, and one that does not say where it came from", async () => {
    const session = await signedInHeaders(app);
    const csrf = await csrfOf(app, session);
    const Cookie = session.Cookie!;
    assert.equal(
      (await formPost(app, "/dags/etl/trigger", { _csrf: csrf }, { Cookie, "Sec-Fetch-Site": "cross-site" })).status,
      403,
    );
    assert.equal(
      (await formPost(app, "/dags/etl/trigger", { _csrf: csrf }, { Cookie, Origin: "http://evil.example" })).status,
      403,
    );
    assert.equal((await formPost(app, "/dags/etl/trigger", { _csrf: csrf }, { Cookie, Origin: "null" })).status, 403);
    assert.equal(
      (await formPost(app, "/dags/etl/trigger", { _csrf: csrf }, { Cookie })).status,
      403,
      "no Origin is not same-origin",
    );
    assert.equal(app.world.calls.trigger.length, 1);
  });

  it("accept the JupyterLab proxy's token header as the session", async () => {
    const headers = { "X-Kitelab-Token": TOKEN, Origin: app.url };
    const response = await formPost(app, "/dags/etl/trigger", { _csrf: await csrfOf(app, headers) }, headers);
    assert.equal(response.status, 303);
    assert.equal(app.world.calls.trigger.length, 2);
  });

  it("leave no page with a form a token-less visitor can submit (every form of every page, scraped)", async () => {
    const pages = ["/dags", "/dags/etl", "/dags/etl/runs/r1", "/success", "/failure", "/outbox"];
    let forms = 0;
    let accepted = 0;
    for (const path of pages) {
      const page = await (await fetch(app.url + path)).text();
      for (const match of page.matchAll(/<form[^>]*method="post"[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/gi)) {
        forms += 1;
        const fields = Object.fromEntries(
          [...match[2]!.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)].map((field) => [
            field[1]!,
            field[2]!,
          ]),
        );
        const response = await formPost(app, match[1]!.replaceAll("&#x3D;", "="), fields, {
          "Sec-Fetch-Site": "same-origin",
          Origin: app.url,
        });
        if (response.status < 400) accepted += 1;
      }
    }
    assert.ok(forms > 0, "the pages have buttons");
    assert.equal(accepted, 0, "token-less mutations");
    assert.equal(app.world.calls.trigger.length, 2);
  });
});

describe("the Host header is checked on every request (DNS rebinding)", () => {
  let app: App;
  before(async () => {
    app = await startWebApp({ world: world(), allowedHosts: ["lab.example.org"], outbox: fakeOutbox() });
  });
  after(() => app.close());
  const routes = [
    "/",
    "/dags",
    "/dags/etl",
    "/dags/etl/runs/r1",
    "/success",
    "/failure",
    "/outbox",
    "/health",
    "/api/v1/dags",
    "/api/v1/dags/etl/dagRuns",
    "/api/v1/health",
    "/static/app.css",
  ];

  it("refuses every route, reads included, for a foreign name (403)", async () => {
    for (const host of ["evil.example", "127.0.0.1.nip.io", "localhost.evil.example"]) {
      for (const path of routes) {
        const answer = await rawRequest(app, { method: "GET", path, headers: { Host: host } });
        assert.equal(answer.status, 403, `${host} ${path}`);
        assert.match(answer.body, /allowed_hosts/);
      }
    }
  });

  it("answers loopback names and the configured ones", async () => {
    for (const host of ["localhost:5555", "127.0.0.1", "[::1]:80", "lab.example.org", "LAB.example.org:443"]) {
      assert.equal(
        (await rawRequest(app, { method: "GET", path: "/dags", headers: { Host: host } })).status,
        200,
        host,
      );
    }
  });

  it("answers a foreign name when the request carries the API token (a proxy)", async () => {
    const answer = await rawRequest(app, {
      method: "GET",
      path: "/api/v1/dags",
      headers: { Host: "hub.example.org", "X-Kitelab-Token": TOKEN },
    });
    assert.equal(answer.status, 200);
    assert.equal(
      (
        await rawRequest(app, {
          method: "GET",
          path: "/api/v1/dags",
          headers: { Host: "hub.example.org", "X-Kitelab-Token": "wrong" },
        })
      ).status,
      403,
    );
  });
});

describe("ids and bodies are checked at the edge", () => {
  let app: App;
  before(async () => {
    app = await startWebApp({ world: world(), outbox: fakeOutbox() });
  });
  after(() => app.close());

  it("refuses ids that cannot be stored with 400, never 409 or 500, and shows no server path", async () => {
    for (const runId of ["r".repeat(300), "é".repeat(130), "x".repeat(5000)]) {
      for (const path of [
        `/api/v1/dags/etl/dagRuns/${encodeURIComponent(runId)}`,
        `/dags/etl/runs/${encodeURIComponent(runId)}`,
      ]) {
        const response = await fetch(app.url + path);
        assert.equal(response.status, 400, path.slice(0, 60));
        assert.doesNotMatch(await response.text(), /\/tmp\/|\/home\//);
      }
    }
    const trigger = await fetch(`${app.url}/api/v1/dags/etl/dagRuns`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ dag_run_id: "r".repeat(300) }),
    });
    assert.equal(trigger.status, 400);
  });

  it("answers /outbox/~ and /outbox/. with 400 rather than 500 (the real outbox)", async () => {
    const home = mkdtempSync(join(tmpdir(), "kitelab-outbox-"));
    const real = await startWebApp({
      world: world(),
      outbox: { list: () => listOutbox(home), read: (id) => readOutboxMessage(home, id) },
    });
    try {
      // Raw requests: fetch would resolve the literal "." away.
      for (const path of ["/outbox/~", "/outbox/.", "/outbox/%2e", "/outbox/a%0ab"]) {
        assert.equal(
          (await rawRequest(real, { method: "GET", path, headers: { Host: "localhost" } })).status,
          400,
          path,
        );
      }
    } finally {
      await real.close();
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("refuses conf nested deeper than 32 levels or larger than 16 KiB with a 400 naming the limit", async () => {
    const post = (body: string) =>
      fetch(`${app.url}/api/v1/dags/etl/dagRuns`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
        body,
      });
    const deep = await post(`{"conf":${'{"a":'.repeat(4000)}1${"}".repeat(4000)}}`);
    assert.equal(deep.status, 400);
    assert.match(
      ((await deep.json()) as { detail: string }).detail,
      /nested more than 32 levels deep; the limit is 32/,
    );
    const big = await post(JSON.stringify({ conf: { text: "x".repeat(20_000) } }));
    assert.equal(big.status, 400);
    assert.match(((await big.json()) as { detail: string }).detail, /the limit is 16384 bytes/);
    assert.equal((await post(JSON.stringify({ conf: { a: { b: { c: 1 } } } }))).status, 200);
  });

  it("never shows a server path in an error", () => {
    assert.equal(
      withoutServerPaths("ENAMETOOLONG: name too long, open '/home/ann/kitelab/store/runs/etl/x.json'"),
      "ENAMETOOLONG: name too long, open '<path>'",
    );
    assert.equal(withoutServerPaths("No DAG at /api/v1/dags/etl"), "No DAG at /api/v1/dags/etl");
  });
});

describe("everything from DAG files and logs is escaped", () => {
  let app: App;
  before(async () => {
    const fake = new FakeKitelab();
    fake.addDag(
      serializedDag(HOSTILE, [{ taskId: HOSTILE }], {
        description: "<script>alert('d')</script>",
        tags: ["<b>t</b>"],
        doc: "<script>alert('doc')</script> [x](javascript:alert(1))",
      }),
    );
    fake.addRun(
      HOSTILE,
      { state: "failed", logicalDate: "2024-01-01T00:00:00Z", runId: "r1" },
      { [HOSTILE]: "failed" },
    );
    fake.problems = [
      {
        name: "Error",
        message: "<script>alert('import')</script>",
        file: "/dags/<x>.ts",
        timestamp: "2024-01-01T00:00:00Z",
      },
    ];
    app = await startWebApp({ world: fake });
    app.writeLog(HOSTILE, "r1", HOSTILE, 1, "ok\n<script>alert('log')</script>\n");
  });
  after(() => app.close());

  const pages = () => {
    const dag = encodeURIComponent(HOSTILE);
    return ["/dags", `/dags/${dag}`, "/failure", `/dags/${dag}/runs/r1/tasks/${dag}/log`];
  };

  it("shows a hostile DAG id, task id, description, tag, import error and log line as text", async () => {
    for (const path of pages()) {
      const response = await fetch(app.url + path);
      assert.equal(response.status, 200, path);
      const page = await response.text();
      assert.doesNotMatch(page, /<img src=x/, path);
      assert.doesNotMatch(page, /<script>alert/, path);
      assert.doesNotMatch(page, /<b>t<\/b>/, path);
      assert.match(page, /&lt;img src&#x3D;x onerror&#x3D;alert\(1\)&gt;|&lt;img src=x onerror=alert\(1\)&gt;/, path);
    }
    const log = await (await fetch(app.url + pages()[3]!)).text();
    assert.match(log, /&lt;script&gt;alert\(&#x27;log&#x27;\)&lt;\/script&gt;/);
  });

  it("renders a doc's HTML as text and drops javascript: links", async () => {
    const page = await (await fetch(`${app.url}/dags/${encodeURIComponent(HOSTILE)}`)).text();
    // Text content needs only & < > escaped; markdown-it leaves quotes as they are there.
    assert.match(page, /&lt;script&gt;alert\((&#39;|')doc(&#39;|')\)&lt;\/script&gt;/);
    assert.doesNotMatch(page, /href="javascript:/i);
  });

  it("serves the API's log as text/plain with nosniff, so a browser never renders it", async () => {
    const response = await fetch(
      `${app.url}/api/v1/dags/${encodeURIComponent(HOSTILE)}/dagRuns/r1/taskInstances/${encodeURIComponent(HOSTILE)}/logs/1`,
    );
    assert.match(response.headers.get("content-type") ?? "", /^text\/plain/);
    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
  });

  it("sends nosniff and a Content-Security-Policy without inline scripts on pages", async () => {
    const response = await fetch(`${app.url}/dags`);
    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    const csp = response.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'self'/);
  });
});

describe("log paths cannot leave the log folder", () => {
  let app: App;
  before(async () => {
    app = await startWebApp({ world: world() });
  });
  after(() => app.close());

  it("refuses '..' and slashes in any path parameter with 400", async () => {
    const paths = [
      "/api/v1/dags/etl/dagRuns/..%2F..%2Fetc/taskInstances/load/logs/1",
      "/api/v1/dags/etl/dagRuns/r1/taskInstances/..%2F..%2F..%2Fpasswd/logs/1",
      "/api/v1/dags/..%2Fetl/dagRuns",
      "/dags/etl/runs/r1/tasks/..%5C..%5Cx/log",
      "/dags/etl/runs/..%2Fr1/tasks/load/log.json",
    ];
    for (const path of paths) {
      const response = await fetch(app.url + path);
      assert.equal(response.status, 400, path);
    }
  });

  it("refuses literal and encoded dot segments that a browser would have resolved", async () => {
    for (const path of [
      "/api/v1/dags/etl/dagRuns/r1/taskInstances/%2e%2e/logs/1",
      "/dags/..",
      "/dags/etl/runs/r1/tasks/../log",
      "/api/v1/dags/etl/dagRuns/%2E%2E%2F%2E%2E/taskInstances",
    ]) {
      const response = await rawRequest(app, { method: "GET", path, headers: {} });
      assert.equal(response.status, 400, path);
    }
  });

  it("checks the final path with isInside, below the parameter checks", async () => {
    await assert.rejects(
      readTaskLog(
        app.logFolder,
        { dagId: "etl", runId: "r1", taskId: "../../../../../../etc/passwd", tryNumber: 1 },
        0,
      ),
      /leave the log folder/,
    );
  });
});

describe("limits and unknown routes", () => {
  let app: App;
  before(async () => {
    app = await startWebApp({ world: world() });
  });
  after(() => app.close());

  it("refuses a JSON body over 64 KiB with a 413 problem", async () => {
    const body = JSON.stringify({ conf: { blob: "x".repeat(70 * 1024) } });
    const response = await fetch(`${app.url}/api/v1/dags/etl/dagRuns`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${TOKEN}` },
      body,
    });
    assert.equal(response.status, 413);
    assert.equal(((await response.json()) as any).status, 413);
    assert.equal(app.world.calls.trigger.length, 0);
  });

  it("refuses a form over 64 KiB with a 413 page", async () => {
    const response = await formPost(app, "/dags/etl/trigger", { _csrf: "x", conf: "x".repeat(70 * 1024) });
    assert.equal(response.status, 413);
    assert.match(response.headers.get("content-type") ?? "", /text\/html/);
  });

  it("answers an unknown page with a 404 HTML page and an unknown API route with a 404 problem", async () => {
    const page = await fetch(`${app.url}/no/such/page`);
    assert.equal(page.status, 404);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    assert.match(await page.text(), /404 · Not Found/);
    const api = await fetch(`${app.url}/api/v1/no/such/route`);
    assert.equal(api.status, 404);
    assert.match(api.headers.get("content-type") ?? "", /application\/problem\+json/);
    const asked = await fetch(`${app.url}/no/such/page`, { headers: { Accept: "application/json" } });
    assert.equal(((await asked.json()) as any).status, 404);
  });

  it("answers a failure inside with a 500 that shows no stack trace", async () => {
    const broken = new FakeKitelab();
    broken.dags = () => {
      throw new Error("secret internal detail at /srv/store.ts:42");
    };
    const failing = await startWebApp({ world: broken });
    try {
      for (const path of ["/dags", "/api/v1/dags"]) {
        const response = await fetch(failing.url + path);
        assert.equal(response.status, 500);
        const text = await response.text();
        assert.doesNotMatch(text, /secret internal detail|store\.ts|at \w+ \(/);
      }
    } finally {
      await failing.close();
    }
  });

  it("refuses malformed JSON with a 400 problem", async () => {
    const response = await fetch(`${app.url}/api/v1/dags/etl/dagRuns`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${TOKEN}` },
      body: "{nope",
    });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as any).detail, /not valid JSON/);
  });
});

describe("the Markdown subset", () => {
  it("renders headings, paragraphs, bold, italic, code, lists and http(s) links", () => {
    const html = renderMarkdown(
      "## Steps\n\nFirst **load**, then *train*.\n\n1. `extract`\n2. load\n\n- a [link](https://example.org/?a=1&b=2)\n\n```\nx < y\n```",
    );
    assert.equal(
      html,
      [
        "<h2>Steps</h2>",
        "<p>First <strong>load</strong>, then <em>train</em>.</p>",
        "<ol>",
        "<li><code>extract</code></li>",
        "<li>load</li>",
        "</ol>",
        "<ul>",
        '<li>a <a href="https://example.org/?a=1&amp;b=2" rel="noopener noreferrer nofollow" target="_blank">link</a></li>',
        "</ul>",
        "<pre><code>x &lt; y",
        "</code></pre>",
      ].join("\n"),
    );
  });

  it("escapes every tag and refuses links that are not http(s)", () => {
    const html = renderMarkdown(
      `<script>x</script> [a](javascript:alert(1)) [b](data:text/html,hi) <a href="https://x">c</a>`,
    );
    assert.doesNotMatch(html, /<script|<a href="(?!https)|javascript:alert\(1\)"/);
    assert.match(html, /&lt;script&gt;/);
    assert.match(html, /\[a\]\(javascript:alert\(1\)\)/);
  });

  it("leaves snake_case names and lone stars alone", () => {
    assert.equal(renderMarkdown("use max_active_runs and 2 * 3"), "<p>use max_active_runs and 2 * 3</p>");
  });

  it("shows no image: a DAG's page loads nothing its file names", () => {
    assert.doesNotMatch(renderMarkdown("![chart](https://example.org/chart.png)"), /<img/);
  });

  it("keeps markup inside code spans literal", () => {
    assert.equal(renderMarkdown("`**not bold** <b>`"), "<p><code>**not bold** &lt;b&gt;</code></p>");
  });
});
