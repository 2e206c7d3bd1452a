import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeKitelab, fakeOutbox, serializedDag, signedInHeaders, startWebApp } from "./helpers/webFakes.js";
import { demoWorld } from "./helpers/webDemo.js";

type App = Awaited<ReturnType<typeof startWebApp>>;

function twoDags(): FakeKitelab {
  const world = new FakeKitelab();
  world.addDag(serializedDag("pipeline", [{ taskId: "train" }, { taskId: "evaluate", upstream: ["train"] }]));
  world.addDag(serializedDag("reporting", [{ taskId: "report" }]));
  return world;
}

/** The page's HTML with the entities Handlebars writes in attribute values (`=` and `&`) decoded. */
async function html(response: Response | Promise<Response>): Promise<string> {
  return (await (await response).text()).replaceAll("&#x3D;", "=").replaceAll("&amp;", "&");
}

/** One signed-in session per app: the buttons need one. */
const sessions = new WeakMap<App, Promise<Record<string, string>>>();
function session(app: App): Promise<Record<string, string>> {
  if (!sessions.has(app)) sessions.set(app, signedInHeaders(app));
  return sessions.get(app)!;
}

async function csrfOf(app: App, path = "/dags"): Promise<string> {
  const page = await html(fetch(app.url + path, { headers: await session(app) }));
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  assert.ok(match, "the page carries a CSRF token");
  return match[1]!;
}

async function post(app: App, path: string, fields: Record<string, string>) {
  return fetch(app.url + path, {
    method: "POST",
    body: new URLSearchParams(fields),
    redirect: "manual",
    headers: await session(app),
  });
}

describe("the status routes", () => {
  it("/ shows a friendly 'no run yet' page before any run finished", async () => {
    const app = await startWebApp({ world: twoDags() });
    try {
      const response = await fetch(`${app.url}/`, { redirect: "manual" });
      assert.equal(response.status, 200);
      assert.match(await response.text(), /No run yet/);
    } finally {
      await app.close();
    }
  });

  it("/ redirects to /success or /failure by the most recently finished run of all DAGs", async () => {
    const world = twoDags();
    world.addRun("pipeline", {
      state: "failed",
      logicalDate: "2024-01-01T00:00:00Z",
      endDate: "2024-01-02T00:00:00Z",
      startDate: "2024-01-01T23:00:00Z",
    });
    world.addRun("reporting", {
      state: "success",
      logicalDate: "2024-01-01T00:00:00Z",
      endDate: "2024-01-03T00:00:00Z",
      startDate: "2024-01-02T23:00:00Z",
    });
    world.addRun("pipeline", { state: "running", logicalDate: "2024-01-05T00:00:00Z" });
    const app = await startWebApp({ world });
    try {
      const response = await fetch(`${app.url}/`, { redirect: "manual" });
      assert.equal(response.status, 302);
      assert.equal(response.headers.get("location"), "/success");
      const chosen = await fetch(`${app.url}/?dag_id=pipeline`, { redirect: "manual" });
      assert.equal(chosen.headers.get("location"), "/failure?dag_id=pipeline");
    } finally {
      await app.close();
    }
  });

  it("/ follows the configured status DAG", async () => {
    const world = twoDags();
    world.addRun("pipeline", { state: "failed", logicalDate: "2024-01-01T00:00:00Z", endDate: "2024-01-02T00:00:00Z" });
    world.addRun("reporting", {
      state: "success",
      logicalDate: "2024-01-01T00:00:00Z",
      endDate: "2024-01-03T00:00:00Z",
    });
    const app = await startWebApp({ world, statusDagId: "pipeline" });
    try {
      assert.equal((await fetch(`${app.url}/`, { redirect: "manual" })).headers.get("location"), "/failure");
      const page = await html(fetch(`${app.url}/failure`));
      assert.match(page, /banner-failed/);
      assert.match(page, /pipeline/);
    } finally {
      await app.close();
    }
  });

  it("/success shows the run: ids, dates, interval, duration and every task with state, try, duration and log link", async () => {
    const world = twoDags();
    world.addRun("pipeline", {
      state: "success",
      logicalDate: "2024-01-01T00:00:00Z",
      dataIntervalStart: "2024-01-01T00:00:00Z",
      dataIntervalEnd: "2024-01-02T00:00:00Z",
      startDate: "2024-01-02T00:00:05Z",
      endDate: "2024-01-02T00:01:35Z",
    });
    const app = await startWebApp({ world });
    try {
      const page = await html(fetch(`${app.url}/success`));
      assert.match(page, /<h1>Success<\/h1>/);
      assert.match(page, /scheduled__2024-01-01T00:00:00\+00:00/);
      assert.match(page, /2024-01-01 00:00:00 UTC → 2024-01-02 00:00:00 UTC/);
      assert.match(page, /2024-01-02 00:00:05 UTC/);
      assert.match(page, /2024-01-02 00:01:35 UTC/);
      assert.match(page, /1m 30s/);
      assert.match(page, /data-task-row="train"/);
      assert.match(page, /data-task-row="evaluate"/);
      assert.match(
        page,
        /href="\/dags\/pipeline\/runs\/scheduled__2024-01-01T00%3A00%3A00%2B00%3A00\/tasks\/train\/log"/,
      );
      assert.doesNotMatch(page, /class="notice"/);
    } finally {
      await app.close();
    }
  });

  it("says so when the run a status page shows is not in the state its URL names", async () => {
    const world = twoDags();
    world.addRun(
      "pipeline",
      { state: "failed", logicalDate: "2024-01-01T00:00:00Z" },
      { train: "failed", evaluate: "upstream_failed" },
    );
    const app = await startWebApp({ world });
    try {
      const page = await html(fetch(`${app.url}/success`));
      assert.match(page, /class="notice"/);
      assert.match(page, /You opened <code>\/success<\/code>, but the run shown here is <strong>failed<\/strong>/);
      assert.match(page, /href="\/failure"/);
    } finally {
      await app.close();
    }
  });

  describe("/health, as Airflow 2 answers it", () => {
    it("is 200 and healthy with a recent heartbeat", async () => {
      const world = twoDags();
      world.heartbeat = { at: new Date(world.clock.getTime() - 10_000).toISOString(), pid: 1, hostname: "h" };
      const app = await startWebApp({ world });
      try {
        const response = await fetch(`${app.url}/health`);
        assert.equal(response.status, 200);
        assert.deepEqual(((await response.json()) as any).scheduler, {
          status: "healthy",
          latest_scheduler_heartbeat: "2024-03-01T11:59:50+00:00",
        });
      } finally {
        await app.close();
      }
    });

    it("is 503 and names the problem when the scheduler reports that its workers cannot start", async () => {
      const world = twoDags();
      world.heartbeat = {
        at: new Date(world.clock.getTime() - 10_000).toISOString(),
        pid: 1,
        hostname: "h",
        executorProblem: "LocalExecutor stopped starting worker processes after 5 in a row failed to start: broken",
      };
      const app = await startWebApp({ world });
      try {
        const response = await fetch(`${app.url}/health`);
        assert.equal(response.status, 503);
        const body = (await response.json()) as any;
        assert.equal(body.scheduler.status, "healthy");
        assert.deepEqual(body.executor, {
          status: "unhealthy",
          problem: "LocalExecutor stopped starting worker processes after 5 in a row failed to start: broken",
        });
      } finally {
        await app.close();
      }
    });

    it("is 503 when the heartbeat is older than the threshold", async () => {
      const world = twoDags();
      world.heartbeat = { at: new Date(world.clock.getTime() - 31_000).toISOString(), pid: 1, hostname: "h" };
      const app = await startWebApp({ world, healthThresholdSeconds: 30 });
      try {
        const response = await fetch(`${app.url}/health`);
        assert.equal(response.status, 503);
        const body = (await response.json()) as any;
        assert.equal(body.scheduler.status, "unhealthy");
        assert.equal(body.metadatabase.status, "healthy");
      } finally {
        await app.close();
      }
    });

    it("is 503 with a null heartbeat when the scheduler never beat", async () => {
      const app = await startWebApp({ world: twoDags() });
      try {
        const response = await fetch(`${app.url}/health`);
        assert.equal(response.status, 503);
        assert.equal(((await response.json()) as any).scheduler.latest_scheduler_heartbeat, null);
      } finally {
        await app.close();
      }
    });
  });
});

describe("the student pages", () => {
  let app: App;
  before(async () => {
    app = await startWebApp({ world: demoWorld(), outbox: fakeOutbox() });
  });
  after(() => app.close());

  it("lists DAGs with recent runs as coloured squares, next run, a paused switch, and import errors on top", async () => {
    const page = await html(fetch(`${app.url}/dags`));
    const errors = page.indexOf("Import errors");
    assert.ok(errors > 0 && errors < page.indexOf('data-dag-row="etl_daily"'), "import errors come before the DAGs");
    assert.match(page, /broken\.ts/);
    assert.match(page, /class="square state-failed"/);
    assert.match(page, /class="square state-success"/);
    assert.match(page, /2024-03-02 12:00:00 UTC/);
    assert.match(page, /aria-checked="false" title="Paused/);
    assert.match(page, /aria-checked="true" title="Active/);
  });

  it("shows a DAG's graph coloured by the newest run, with every task's id and state class", async () => {
    const page = await html(fetch(`${app.url}/dags/ml_pipeline`));
    assert.match(page, /<svg[^>]*class="kitelab-graph"/);
    for (const task of ["load_data", "train_model", "trigger_status"])
      assert.match(page, new RegExp(`class="kl-node state-success" id="task-${task}" data-task-id="${task}"`));
    assert.match(
      page,
      /data-live-status="\/dags\/ml_pipeline\/runs\/scheduled__2024-02-25T12%3A00%3A00%2B00%3A00\/status\.json"/,
    );
  });

  it("colours the graph by the run chosen with run_id", async () => {
    const page = await html(
      fetch(`${app.url}/dags/ml_pipeline?run_id=${encodeURIComponent("scheduled__2021-06-06T12:00:00+00:00")}`),
    );
    assert.match(page, /class="kl-node state-failed" id="task-train_model"/);
    assert.match(page, /class="kl-node state-upstream_failed" id="task-send_email"/);
  });

  it("pages through 1,000 runs 25 at a time, with links to the first, nearby and last pages", async () => {
    const first = await html(fetch(`${app.url}/dags/ml_pipeline`));
    assert.equal((first.match(/data-run-square=/g) ?? []).length, 25);
    assert.match(first, /href="\/dags\/ml_pipeline\?page=40"/);
    assert.match(first, /<span class="disabled">‹ Newer<\/span>/);
    const last = await html(fetch(`${app.url}/dags/ml_pipeline?page=40`));
    assert.equal((last.match(/data-run-square=/g) ?? []).length, 25);
    assert.match(last, /2021-06-01 12:00:00 UTC/, "the oldest run is on the last page");
    assert.match(last, /<span class="current" aria-current="page">40<\/span>/);
    const middle = await html(fetch(`${app.url}/dags/ml_pipeline?page=20`));
    for (const number of [1, 18, 19, 21, 22, 40]) assert.match(middle, new RegExp(`>${number}</a>`));
    assert.match(middle, /<span class="gap">…<\/span>/);
  });

  it("renders the DAG's doc from Markdown", async () => {
    const page = await html(fetch(`${app.url}/dags/ml_pipeline`));
    assert.match(page, /<h1>ML pipeline<\/h1>/);
    assert.match(page, /<strong>logistic regression<\/strong>/);
    assert.match(page, /<li><code>MinMaxScaler<\/code> then <code>StandardScaler<\/code><\/li>/);
    assert.match(
      page,
      /<a href="https:\/\/airflow\.apache\.org\/docs\/" rel="noopener noreferrer nofollow" target="_blank">Airflow docs<\/a>/,
    );
  });

  it("answers the live status poll with the run's and each task's state", async () => {
    const body = (await (
      await fetch(
        `${app.url}/dags/ml_pipeline/runs/${encodeURIComponent("scheduled__2021-06-06T12:00:00+00:00")}/status.json`,
      )
    ).json()) as any;
    assert.equal(body.state, "failed");
    assert.equal(body.finished, true);
    assert.deepEqual(
      body.tasks.find((task: { task_id: string }) => task.task_id === "train_model"),
      {
        task_id: "train_model",
        state: "failed",
        state_label: "failed",
        try_number: 1,
        duration: "2.5s",
        log_href: `/dags/ml_pipeline/runs/${encodeURIComponent("scheduled__2021-06-06T12:00:00+00:00")}/tasks/train_model/log`,
      },
    );
  });

  it("shows a task's log and serves what was appended since an offset", async () => {
    const runId = "scheduled__2021-06-06T12:00:00+00:00";
    app.writeLog("ml_pipeline", runId, "train_model", 1, "epoch 1\n");
    const page = await html(
      fetch(`${app.url}/dags/ml_pipeline/runs/${encodeURIComponent(runId)}/tasks/train_model/log`),
    );
    assert.match(page, /<pre class="log" data-log data-offset="8"/);
    assert.match(page, /epoch 1/);
    app.writeLog("ml_pipeline", runId, "train_model", 1, "epoch 1\nepoch 2\n");
    const chunk = (await (
      await fetch(`${app.url}/dags/ml_pipeline/runs/${encodeURIComponent(runId)}/tasks/train_model/log.json?offset=8`)
    ).json()) as any;
    assert.equal(chunk.content, "epoch 2\n");
    assert.equal(chunk.next_offset, 16);
    assert.equal(chunk.following, false);
  });

  it("follows the log of a running task", async () => {
    const run = await app.world.trigger("status_check", {});
    app.world.progress("status_check", run.runId, { check: "running" }, "running");
    const page = await html(
      fetch(`${app.url}/dags/status_check/runs/${encodeURIComponent(run.runId)}/tasks/check/log`),
    );
    assert.match(page, /data-log-follow="\/dags\/status_check\/runs\/[^"]+\/tasks\/check\/log\.json\?try=1"/);
    assert.match(page, /This attempt has not written a log yet/);
  });

  it("lists the outbox and shows a message", async () => {
    const list = await html(fetch(`${app.url}/outbox`));
    assert.match(list, /Run succeeded: ml_pipeline/);
    assert.match(list, /teacher@example\.org/);
    const message = await html(fetch(`${app.url}/outbox/msg-1`));
    assert.match(message, /All 7 tasks succeeded\./);
    assert.equal((await fetch(`${app.url}/outbox/msg-2`)).status, 404);
  });

  it("has no outbox page when there is no outbox", async () => {
    const bare = await startWebApp({ world: twoDags() });
    try {
      assert.equal((await fetch(`${bare.url}/outbox`)).status, 404);
      assert.doesNotMatch(await html(fetch(`${bare.url}/dags`)), /href="\/outbox"/);
    } finally {
      await bare.close();
    }
  });

  describe("the page's buttons", () => {
    it("trigger a run with conf and land on the DAG page showing it", async () => {
      const response = await post(app, "/dags/status_check/trigger", {
        _csrf: await csrfOf(app),
        conf: '{"model": "v2"}',
      });
      assert.equal(response.status, 303);
      const location = response.headers.get("location") ?? "";
      assert.match(location, /^\/dags\/status_check\?run_id=manual__/);
      assert.deepEqual((app.world.calls.trigger.at(-1) as { conf: unknown }).conf, { model: "v2" });
      const page = await html(fetch(app.url + location));
      assert.match(page, /data-finished="false"/);
    });

    it("show the DAG page again with the message when the conf is not a JSON object", async () => {
      const before = app.world.calls.trigger.length;
      const response = await post(app, "/dags/status_check/trigger", { _csrf: await csrfOf(app), conf: "{model: v2}" });
      assert.equal(response.status, 400);
      const page = await response.text();
      assert.match(page, /The run configuration is not valid JSON/);
      assert.match(page, /<textarea[^>]*>\{model: v2\}<\/textarea>/);
      assert.equal(app.world.calls.trigger.length, before);
    });

    it("pause and unpause, returning to the page they came from", async () => {
      const response = await post(app, "/dags/etl_daily/pause", {
        _csrf: await csrfOf(app),
        paused: "false",
        return_to: "dag",
      });
      assert.equal(response.status, 303);
      assert.equal(response.headers.get("location"), "/dags/etl_daily");
      assert.equal(app.world.dag("etl_daily")?.isPaused, false);
      const back = await post(app, "/dags/etl_daily/pause", {
        _csrf: await csrfOf(app),
        paused: "true",
        return_to: "list",
      });
      assert.equal(back.headers.get("location"), "/dags");
      assert.equal(app.world.dag("etl_daily")?.isPaused, true);
    });

    it("a paused DAG's page says that triggered runs stay queued until it is switched on", async () => {
      await post(app, "/dags/etl_daily/pause", { _csrf: await csrfOf(app), paused: "true", return_to: "dag" });
      assert.match(
        await html(fetch(`${app.url}/dags/etl_daily`)),
        /This DAG is paused\.<\/strong>.*stays <em>queued<\/em> until you switch the DAG on/,
      );
      await post(app, "/dags/etl_daily/pause", { _csrf: await csrfOf(app), paused: "false", return_to: "dag" });
      assert.doesNotMatch(await html(fetch(`${app.url}/dags/etl_daily`)), /This DAG is paused/);
    });

    it("clear one task of a run", async () => {
      const runId = "scheduled__2021-06-06T12:00:00+00:00";
      const response = await post(app, `/dags/ml_pipeline/runs/${encodeURIComponent(runId)}/clear`, {
        _csrf: await csrfOf(app),
        task_id: "train_model",
      });
      assert.equal(response.status, 303);
      assert.deepEqual(app.world.calls.clear.at(-1), { dagId: "ml_pipeline", runId, taskIds: ["train_model"] });
    });
  });
});

describe("a base URL such as /user/alice/kitelab/", () => {
  let app: App;
  before(async () => {
    const world = twoDags();
    world.addRun("pipeline", { state: "success", logicalDate: "2024-01-01T00:00:00Z" });
    app = await startWebApp({ world, baseUrl: "/user/alice/kitelab/" });
  });
  after(() => app.close());

  it("prefixes every redirect, link, form action and asset", async () => {
    const redirect = await fetch(`${app.url}/user/alice/kitelab/`, { redirect: "manual" });
    assert.equal(redirect.headers.get("location"), "/user/alice/kitelab/success");
    const page = await html(fetch(`${app.url}/user/alice/kitelab/dags`));
    const urls = [...page.matchAll(/(?:href|src|action)="([^"]+)"/g)].map((match) => match[1]!);
    assert.ok(urls.length > 5);
    for (const url of urls) assert.ok(url.startsWith("/user/alice/kitelab/"), `${url} carries the base URL`);
  });

  it("also answers paths whose prefix a proxy already stripped", async () => {
    const response = await fetch(`${app.url}/dags/pipeline`);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /href="\/user\/alice\/kitelab\/static\/app\.css"/);
    assert.equal((await fetch(`${app.url}/user/alice/kitelab/api/v1/dags`)).status, 200);
  });
});
