// /health when every executor slot is held by a worker that can make no progress (stopped,
// a zombie, gone): queued tasks can never start, so the executor is reported unhealthy.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tempHome } from "./helpers/tempHome.js";
import { startStandaloneProcess } from "./helpers/standaloneProcess.js";
import { waitFor } from "./helpers/waitFor.js";

interface Health {
  scheduler: { status: string; latest_scheduler_heartbeat: string };
  executor: { status: string; problem: string | null };
}

describe("/health with every executor slot held", () => {
  const home = tempHome("kitelab-stalled-");
  after(() => home.cleanup());

  it("is healthy while the workers holding the slots are alive, and unhealthy with the reason once they are stopped", async () => {
    const pidFile = (taskId: string) => join(home.home, `pid-${taskId}`);
    home.writeDag(
      "holders.ts",
      `import { writeFileSync } from "node:fs";
import { DAG } from "kitelab";
const dag = new DAG({ dagId: "holders", schedule: null, startDate: new Date("2024-01-01T00:00:00Z") });
for (const taskId of ["first", "second"])
  dag.task(taskId, async () => {
    writeFileSync(${JSON.stringify(join(home.home, "pid-"))} + taskId, String(process.pid));
    await new Promise((resolve) => setTimeout(resolve, 10 * 60_000));
  });
export default dag;
`,
    );
    const standalone = await startStandaloneProcess(home.home, { KITELAB__CORE__PARALLELISM: "2" });
    const pids: number[] = [];
    try {
      const health = async () => {
        const response = await fetch(`${standalone.url}health`);
        return { code: response.status, body: (await response.json()) as Health };
      };
      const triggered = await fetch(`${standalone.url}api/v1/dags/holders/dagRuns`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${standalone.token}` },
        body: JSON.stringify({ dag_run_id: "manual__hold" }),
      });
      assert.equal(triggered.status, 200, await triggered.text());
      for (const taskId of ["first", "second"])
        pids.push(
          await waitFor(
            `task ${taskId} to hold a slot`,
            () => (existsSync(pidFile(taskId)) ? Number(readFileSync(pidFile(taskId), "utf8")) : undefined),
            120_000,
          ),
        );
      const heldAt = Date.now();
      // Past the 10 s a stall must last, busy but live workers are no problem.
      const busy = await waitFor(
        "a heartbeat 11 s after both slots were taken",
        async () => {
          const current = await health();
          return new Date(current.body.scheduler.latest_scheduler_heartbeat).getTime() > heldAt + 11_000
            ? current
            : undefined;
        },
        120_000,
        500,
      );
      assert.equal(busy.code, 200, JSON.stringify(busy.body));
      assert.deepEqual(busy.body.executor, { status: "healthy", problem: null });

      for (const pid of pids) process.kill(pid, "SIGSTOP");
      const stalled = await waitFor(
        "/health to report the stalled slots",
        async () => {
          const current = await health();
          return current.code === 503 ? current : undefined;
        },
        120_000,
        500,
      );
      assert.equal(stalled.body.executor.status, "unhealthy");
      assert.equal(stalled.body.scheduler.status, "healthy", "the scheduler itself still beats");
      const problem = stalled.body.executor.problem ?? "";
      assert.match(problem, /^all 2 executor slot\(s\) are held by worker processes that make no progress: /);
      for (const pid of pids) assert.match(problem, new RegExp(`pid ${pid} stopped \\(task holders/manual__hold/`));
      assert.match(problem, /queued tasks cannot start/);

      for (const pid of pids) process.kill(pid, "SIGCONT");
      await waitFor(
        "/health to be healthy again once the workers resume",
        async () => ((await health()).code === 200 ? true : undefined),
        120_000,
        500,
      );
    } finally {
      for (const pid of pids) {
        try {
          process.kill(pid, "SIGCONT");
        } catch {
          // Already gone.
        }
      }
      await standalone.stop();
    }
  });
});
