import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { WorkersView } from "../src/web/ports.js";
import { startWebApp } from "./helpers/webFakes.js";

const twoWorkers: WorkersView = {
  snapshot: async () => ({
    workers: [
      {
        id: "alpha#a1",
        hostname: "alpha",
        pid: 101,
        queues: ["default"],
        concurrency: 2,
        state: "online",
        startedAt: "2026-12-03T09:00:00.000Z",
        lastHeartbeat: "2026-12-03T09:05:00.000Z",
        running: [
          {
            dagId: "etl",
            runId: "manual__2026-12-03T09:04:00+00:00",
            taskId: "load",
            tryNumber: 1,
            startedAt: "2026-12-03T09:04:30.000Z",
          },
        ],
        done: 7,
        failed: 1,
      },
      {
        id: "beta#b2",
        hostname: "beta",
        pid: 202,
        queues: ["default", "gpu"],
        concurrency: 4,
        state: "offline",
        startedAt: "2026-12-03T08:00:00.000Z",
        lastHeartbeat: "2026-12-03T08:30:00.000Z",
        running: [],
        done: 3,
        failed: 0,
      },
    ],
    queues: [
      { name: "default", waiting: 5, active: 1, delayed: 0 },
      { name: "gpu", waiting: 0, active: 0, delayed: 2 },
    ],
  }),
};

describe("the worker view", () => {
  it("GET /api/v1/workers lists each worker's state, queues, running tasks with links, counts and heartbeat, and the queues' lengths", async () => {
    const app = await startWebApp({ workers: twoWorkers });
    try {
      const body = (await (await fetch(`${app.url}/api/v1/workers`)).json()) as {
        workers: Array<Record<string, unknown>>;
        queues: unknown[];
        total_entries: number;
      };
      assert.equal(body.total_entries, 2);
      const alpha = body.workers[0]!;
      assert.equal(alpha.hostname, "alpha");
      assert.equal(alpha.state, "online");
      assert.deepEqual(alpha.queues, ["default"]);
      assert.equal(alpha.tasks_done, 7);
      assert.equal(alpha.tasks_failed, 1);
      assert.equal(alpha.last_heartbeat, "2026-12-03T09:05:00.000Z");
      assert.deepEqual(alpha.running, [
        {
          dag_id: "etl",
          dag_run_id: "manual__2026-12-03T09:04:00+00:00",
          task_id: "load",
          try_number: 1,
          started_at: "2026-12-03T09:04:30.000Z",
          href: `/dags/etl?run_id=${encodeURIComponent("manual__2026-12-03T09:04:00+00:00")}`,
        },
      ]);
      assert.equal(body.workers[1]!.state, "offline");
      assert.deepEqual(body.queues[1], { name: "gpu", waiting: 0, active: 0, delayed: 2 });
    } finally {
      await app.close();
    }
  });

  it("/workers shows the same as a page, linked from the navigation, and follows the API live", async () => {
    const app = await startWebApp({ workers: twoWorkers });
    try {
      const page = await (await fetch(`${app.url}/workers`)).text();
      assert.match(page, /<a href="\/workers" aria-current="page">Workers<\/a>/);
      assert.match(page, /<strong>alpha<\/strong>/);
      assert.match(page, /worker-offline">offline/);
      assert.match(page, /etl\.load<\/a>/);
      assert.match(page, /data-live-workers="\/api\/v1\/workers"/);
      const dags = await (await fetch(`${app.url}/dags`)).text();
      assert.match(dags, /href="\/workers"/);
    } finally {
      await app.close();
    }
  });

  it("with the LocalExecutor there are no workers: a 404 that says how to get them, and no Workers link", async () => {
    const app = await startWebApp();
    try {
      const response = await fetch(`${app.url}/api/v1/workers`);
      assert.equal(response.status, 404);
      assert.match(
        JSON.stringify(await response.json()),
        /Set \[core\] executor = BullMQExecutor and start `kitelab worker`s/,
      );
      assert.doesNotMatch(await (await fetch(`${app.url}/dags`)).text(), /href="\/workers"/);
    } finally {
      await app.close();
    }
  });
});
