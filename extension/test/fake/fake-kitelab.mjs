#!/usr/bin/env node
// A stand-in for `kitelab standalone` while the real server is being built: the same command line
// (standalone --port P --host H --base-url /prefix/), the same token file, the routes the extension
// uses with the agreed JSON shapes, and triggered runs that go queued -> running -> success/failed.
// Tests run it through jupyter-server-proxy with KITELAB_COMMAND="node <this file>".
//   FAKE_KITELAB_RUN_MS   how long a triggered run runs (default 2500)
//   FAKE_KITELAB_SCENARIO "labs" (default: three DAGs, runs, an import error) or "empty"
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] !== undefined ? process.argv[index + 1] : fallback;
}

if (process.argv[2] !== "standalone") {
  console.error(`fake-kitelab: only \`standalone\` is faked, got ${JSON.stringify(process.argv.slice(2))}`);
  process.exit(2);
}
const port = Number(option("port", "0"));
const host = option("host", "127.0.0.1");
const baseUrl = option("base-url", "/").replace(/\/*$/, "/");
const home = process.env.KITELAB_HOME || path.join(os.homedir(), "kitelab");
const runMs = Number(process.env.FAKE_KITELAB_RUN_MS || 2500);
const scenario = process.env.FAKE_KITELAB_SCENARIO || "labs";

fs.mkdirSync(home, { recursive: true });
const tokenFile = path.join(home, "api_token");
if (!fs.existsSync(tokenFile)) fs.writeFileSync(tokenFile, `${randomBytes(24).toString("hex")}\n`, { mode: 0o600 });
const token = fs.readFileSync(tokenFile, "utf8").trim();

const hoursAgo = (hours) => new Date(Date.now() - hours * 3600_000).toISOString();

function dag(dag_id, extra = {}) {
  return {
    dag_id, is_paused: false, is_active: true, description: null, schedule_interval: { __type: "CronExpression", value: "@daily" },
    tags: [], next_dagrun: hoursAgo(-12), fileloc: path.join(home, "dags", `${dag_id}.ts`), ...extra,
  };
}

function run(dag_id, dag_run_id, state, startedHoursAgo, minutes = 2, run_type = "scheduled") {
  const start = hoursAgo(startedHoursAgo);
  const end = state === "success" || state === "failed" ? new Date(Date.parse(start) + minutes * 60_000).toISOString() : null;
  return {
    dag_id, dag_run_id, state, logical_date: hoursAgo(startedHoursAgo + 24), execution_date: hoursAgo(startedHoursAgo + 24),
    start_date: start, end_date: end, data_interval_start: hoursAgo(startedHoursAgo + 48), data_interval_end: hoursAgo(startedHoursAgo + 24),
    run_type, conf: {},
  };
}

const dags = scenario === "empty" ? [] : [
  dag("first_dag", { description: "Lab 1: train and predict through files", tags: [{ name: "lab1" }] }),
  dag("ml_pipeline", { description: "Lab 2: the 7-step advertising pipeline", tags: [{ name: "lab2" }] }),
  dag("weekly_retrain", { is_paused: true, description: "Lab 5: weekly retraining", schedule_interval: { __type: "CronExpression", value: "@weekly" } }),
];
const runs = scenario === "empty" ? [] : [
  run("first_dag", "scheduled__1", "success", 50),
  run("first_dag", "scheduled__2", "failed", 26),
  run("first_dag", "scheduled__3", "success", 2),
  run("ml_pipeline", "manual__1", "failed", 30, 4, "manual"),
  run("ml_pipeline", "manual__2", "success", 3, 4, "manual"),
];
const importErrors = scenario === "empty" ? [] : [{
  import_error_id: 1,
  filename: path.join(home, "dags", "broken_dag.ts"),
  stack_trace: "DagDefinitionError: task `train` depends on `load`, which is not in DAG broken_dag\n    at broken_dag.ts:14:3",
  timestamp: hoursAgo(1),
}];

function send(res, status, body, headers = {}) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "Content-Type": typeof body === "string" ? "text/html; charset=utf-8" : "application/json", ...headers });
  res.end(text);
}

function problem(res, status, title, detail) {
  send(res, status, { type: "about:blank", status, title, detail });
}

function authorized(req) {
  return req.headers["x-kitelab-token"] === token || req.headers.authorization === `Bearer ${token}`;
}

function readBody(req) {
  return new Promise((resolve) => {
    let text = "";
    req.on("data", (chunk) => (text += chunk));
    req.on("end", () => {
      try {
        resolve(text ? JSON.parse(text) : {});
      } catch {
        resolve(null);
      }
    });
  });
}

function lastFinished() {
  return runs.filter((r) => r.end_date).sort((a, b) => Date.parse(b.end_date) - Date.parse(a.end_date))[0];
}

function page(title, body, tone) {
  const colour = tone === "success" ? "#15803d" : tone === "failed" ? "#b91c1c" : "#334155";
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#1e293b} h1{color:${colour}} table{border-collapse:collapse}
td,th{border-bottom:1px solid #e2e8f0;padding:.3rem .8rem;text-align:left} .paused{color:#b45309}</style></head>
<body><p><em>fake kitelab standalone</em> · <a href="${baseUrl}">status</a> · <a href="${baseUrl}dags">DAGs</a></p>${body}</body></html>`;
}

function statusPage(tone) {
  const last = lastFinished();
  const heading = tone === "success" ? "Success" : "Failure";
  const detail = last ? `<p>Last finished run: <code>${last.dag_id}</code> <code>${last.dag_run_id}</code> — ${last.state} at ${last.end_date}</p>` : "<p>No run has finished yet.</p>";
  return page(heading, `<h1>${heading}</h1>${detail}`, tone);
}

function dagsPage() {
  const rows = dags.map((d) => {
    const latest = runs.filter((r) => r.dag_id === d.dag_id).sort((a, b) => Date.parse(b.execution_date) - Date.parse(a.execution_date))[0];
    return `<tr><td><code>${d.dag_id}</code></td><td>${d.is_paused ? '<span class="paused">paused</span>' : "active"}</td><td>${d.description ?? ""}</td><td>${latest ? latest.state : "no runs"}</td></tr>`;
  }).join("");
  return page("DAGs", `<h1>DAGs</h1><table><tr><th>DAG</th><th>State</th><th>Description</th><th>Last run</th></tr>${rows}</table>`);
}

function health() {
  return { metadatabase: { status: "healthy" }, scheduler: { status: "healthy", latest_scheduler_heartbeat: new Date().toISOString() } };
}

let manualCount = 0;
function trigger(dagId, body) {
  const now = new Date().toISOString();
  manualCount += 1;
  const created = {
    dag_id: dagId, dag_run_id: body.dag_run_id ?? `manual__${now}`, state: "queued", logical_date: body.logical_date ?? now,
    execution_date: body.logical_date ?? now, start_date: null, end_date: null, data_interval_start: now, data_interval_end: now,
    run_type: "manual", conf: body.conf ?? {},
  };
  runs.push(created);
  const target = dags.find((d) => d.dag_id === dagId);
  if (!target.is_paused) {
    setTimeout(() => Object.assign(created, { state: "running", start_date: new Date().toISOString() }), Math.min(300, runMs / 2));
    setTimeout(() => Object.assign(created, { state: created.conf.fail ? "failed" : "success", end_date: new Date().toISOString() }), runMs);
  }
  return created;
}

async function api(req, res, route, url) {
  if (route === "health") return send(res, 200, health());
  if (route === "dags" && req.method === "GET") return send(res, 200, { dags, total_entries: dags.length });
  if (route === "importErrors") return send(res, 200, { import_errors: importErrors, total_entries: importErrors.length });
  const match = /^dags\/([^/]+)(\/dagRuns)?$/.exec(route);
  const target = match && dags.find((d) => d.dag_id === decodeURIComponent(match[1]));
  if (!match) return problem(res, 404, "Not Found", `No route ${req.method} /api/v1/${route}`);
  if (!target) return problem(res, 404, "DAG not found", `DAG with dag_id: '${decodeURIComponent(match[1])}' not found`);
  if (req.method !== "GET" && !authorized(req)) return problem(res, 401, "Unauthorized", "Send the API token as `Authorization: Bearer <token>`.");
  if (!match[2]) {
    if (req.method === "GET") return send(res, 200, target);
    if (req.method === "PATCH") {
      const body = await readBody(req);
      if (typeof body?.is_paused !== "boolean") return problem(res, 400, "Bad Request", "Expected `is_paused` to be a boolean");
      target.is_paused = body.is_paused;
      return send(res, 200, target);
    }
  } else {
    if (req.method === "GET") {
      const limit = Number(url.searchParams.get("limit") ?? 100);
      const list = runs.filter((r) => r.dag_id === target.dag_id).sort((a, b) => Date.parse(b.execution_date) - Date.parse(a.execution_date));
      return send(res, 200, { dag_runs: list.slice(0, limit), total_entries: list.length });
    }
    if (req.method === "POST") {
      const body = await readBody(req);
      if (body === null) return problem(res, 400, "Bad Request", "The body is not JSON");
      return send(res, 200, trigger(target.dag_id, body));
    }
  }
  return problem(res, 405, "Method Not Allowed", `${req.method} is not allowed here`);
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, `http://${req.headers.host ?? "localhost"}`);
  const prefix = baseUrl.replace(/\/$/, "");
  if (url.pathname !== prefix && !url.pathname.startsWith(baseUrl)) return problem(res, 404, "Not Found", `Not under ${baseUrl}: ${url.pathname}`);
  const route = url.pathname.slice(baseUrl.length).replace(/\/$/, "");
  if (route === "") {
    const last = lastFinished();
    return send(res, 302, "", { Location: `${baseUrl}${last?.state === "failed" ? "failure" : "success"}` });
  }
  if (route === "success") return send(res, 200, statusPage("success"));
  if (route === "failure") return send(res, 200, statusPage("failed"));
  if (route === "dags") return send(res, 200, dagsPage());
  if (route === "health") return send(res, 200, health());
  if (route.startsWith("api/v1/")) return api(req, res, route.slice("api/v1/".length), url);
  return problem(res, 404, "Not Found", `No page ${url.pathname}`);
});

server.listen(port, host, () => {
  console.log(`fake kitelab standalone on http://${host}:${server.address().port}${baseUrl} (home ${home})`);
});
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => server.close(() => process.exit(0)));
