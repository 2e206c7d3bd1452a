import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { IHealth } from "../../src/api.js";
import {
  finishedRunNotices,
  latestRun,
  MAX_RUN_NOTICES,
  newlyFinishedRuns,
  schedulerState,
  statusView,
} from "../../src/model.js";
import { run, running, snapshot, summary } from "./fixtures.js";

const health = (status: "healthy" | "unhealthy"): IHealth => ({
  metadatabase: { status: "healthy" },
  scheduler: { status, latest_scheduler_heartbeat: null },
});

describe("schedulerState", () => {
  it("follows the process until it listens, then its /health", () => {
    assert.equal(schedulerState({ state: "not-started", started_at: null }, null), "not-started");
    assert.equal(schedulerState({ state: "starting", started_at: 1 }, null), "starting");
    assert.equal(schedulerState({ state: "exited", started_at: 1 }, null), "exited");
    assert.equal(schedulerState(running, health("healthy")), "healthy");
    assert.equal(schedulerState(running, health("unhealthy")), "unhealthy");
    assert.equal(schedulerState(running, null), "unreachable");
  });
});

describe("latestRun", () => {
  it("is the run that started last across all DAGs", () => {
    const dags = [
      summary("a", [run("a", "a2", "success", 9), run("a", "a1", "failed", 7)]),
      summary("b", [run("b", "b1", "failed", 10)]),
      summary("c", []),
    ];
    assert.equal(latestRun(dags)?.dag_run_id, "b1");
    assert.equal(latestRun([summary("c", [])]), null);
  });
});

/** Epoch ms of `hour`:00 on 2024-03-01, the fixtures' day (their runs end at :05). */
const at = (hour: number) => Date.parse(`2024-03-01T${String(hour).padStart(2, "0")}:00:00.000Z`);

describe("newlyFinishedRuns: the notification decision", () => {
  const before = snapshot([summary("etl", [run("etl", "r2", "running", 9), run("etl", "r1", "success", 8)])]);

  it("announces a run that was running at the last poll and has finished since", () => {
    const after = snapshot([summary("etl", [run("etl", "r2", "failed", 9), run("etl", "r1", "success", 8)])]);
    assert.deepEqual(
      newlyFinishedRuns(before, after).map((r) => [r.dag_run_id, r.state]),
      [["r2", "failed"]],
    );
  });

  it("announces a run that started and finished between two polls", () => {
    const after = snapshot([
      summary("etl", [run("etl", "r3", "success", 10), run("etl", "r2", "running", 9), run("etl", "r1", "success", 8)]),
    ]);
    assert.deepEqual(
      newlyFinishedRuns(before, after).map((r) => r.dag_run_id),
      ["r3"],
    );
  });

  it("announces nothing on the first poll, or twice for one run", () => {
    const after = snapshot([summary("etl", [run("etl", "r2", "success", 9), run("etl", "r1", "success", 8)])]);
    assert.deepEqual(newlyFinishedRuns(null, after, at(8)), []);
    assert.deepEqual(
      newlyFinishedRuns(before, after, at(8)).map((r) => r.dag_run_id),
      ["r2"],
    );
    assert.deepEqual(newlyFinishedRuns(after, after, at(9)), []);
  });

  it("announces the run of a DAG first seen and finished within one poll, and none of its older runs", () => {
    // The tour's path: the DAG file is written, triggered and done before the next poll.
    const after = snapshot([
      ...before.dags,
      summary("tour_hello", [run("tour_hello", "new", "success", 9), run("tour_hello", "old", "failed", 7)]),
    ]);
    assert.deepEqual(
      newlyFinishedRuns(before, after, at(8)).map((r) => r.dag_run_id),
      ["new"],
    );
    assert.deepEqual(newlyFinishedRuns(before, after, null), [], "without a time to compare with, nothing is news");
  });

  it("treats the runs of a scheduler that just came up as a baseline, unless they ended after it started", () => {
    const stopped = snapshot([], { scheduler: "not-started" });
    const up = snapshot([summary("etl", [run("etl", "r2", "success", 9), run("etl", "r1", "success", 8)])]);
    assert.deepEqual(newlyFinishedRuns(stopped, before), []);
    assert.deepEqual(
      newlyFinishedRuns(stopped, up, at(9)).map((r) => r.dag_run_id),
      ["r2"],
    );
  });

  it("lists several finished runs oldest first", () => {
    const start = snapshot([
      summary("a", [run("a", "a1", "running", 9)]),
      summary("b", [run("b", "b1", "running", 8)]),
    ]);
    const end = snapshot([summary("a", [run("a", "a1", "success", 9)]), summary("b", [run("b", "b1", "success", 8)])]);
    assert.deepEqual(
      newlyFinishedRuns(start, end).map((r) => r.dag_run_id),
      ["b1", "a1"],
    );
  });
});

describe("statusView: the status bar", () => {
  it("tells a student who has not started the scheduler where to start it", () => {
    const view = statusView(snapshot([], { scheduler: "not-started" }));
    assert.deepEqual(view.scheduler, { tone: "idle", text: "Kitelab: not started" });
    assert.equal(view.lastRun, null);
    assert.match(view.title, /Launcher \(Kitelab Scheduler\)/);
  });

  it("shows the latest run in green or red once the scheduler is healthy", () => {
    const ok = statusView(snapshot([summary("etl", [run("etl", "r1", "success", 9)])]));
    assert.deepEqual(ok.scheduler, { tone: "success", text: "Kitelab" });
    assert.deepEqual(ok.lastRun, { tone: "success", text: "etl succeeded" });
    const bad = statusView(
      snapshot([summary("etl", [run("etl", "r2", "failed", 10), run("etl", "r1", "success", 9)])]),
    );
    assert.deepEqual(bad.lastRun, { tone: "failed", text: "etl failed" });
    const busy = statusView(snapshot([summary("etl", [run("etl", "r3", "queued", 11)])]));
    assert.deepEqual(busy.lastRun, { tone: "running", text: "etl queued" });
  });

  it('says "no runs yet" for a healthy scheduler without runs, and counts import errors', () => {
    const view = statusView(
      snapshot([summary("etl", [])], {
        importErrors: [{ import_error_id: 1, filename: "broken.ts", stack_trace: "", timestamp: null }],
      }),
    );
    assert.deepEqual(view.lastRun, { tone: "idle", text: "no runs yet" });
    assert.match(view.title, /1 DAG file failed to import/);
  });

  it("hides old runs while the scheduler is stopped or unreachable", () => {
    const dags = [summary("etl", [run("etl", "r1", "success", 9)])];
    assert.equal(statusView(snapshot(dags, { scheduler: "exited" })).lastRun, null);
    assert.deepEqual(statusView(snapshot(dags, { scheduler: "unreachable" })).scheduler.tone, "down");
  });
});

describe("finishedRunNotices", () => {
  it("gives one notice a run, an error for a failed one", () => {
    assert.deepEqual(finishedRunNotices([run("etl", "r1", "success", 9), run("ml", "m1", "failed", 9)]), [
      { type: "success", message: "DAG etl: run r1 succeeded." },
      { type: "error", message: "DAG ml: run m1 failed." },
    ]);
  });

  it("sums up a backfill in one notice", () => {
    const runs = Array.from({ length: MAX_RUN_NOTICES + 2 }, (_, i) => ({
      ...run("etl", `b${i}`, i === 0 ? "failed" : "success", i),
      run_type: "backfill",
    }));
    assert.deepEqual(finishedRunNotices(runs), [
      { type: "error", message: "5 runs of etl finished: 4 succeeded, 1 failed." },
    ]);
  });

  it("keeps its own notice for a triggered run that finishes with catch-up runs in one poll", () => {
    const catchUp = ["etl", "ml", "report", "mail"].map((dagId, i) => ({
      ...run(dagId, `scheduled__${i}`, "success", i),
      run_type: "scheduled",
    }));
    const triggered = run("etl", "manual__1", "success", 9);
    assert.deepEqual(finishedRunNotices([...catchUp, triggered]), [
      { type: "success", message: "4 runs finished: 4 succeeded, 0 failed." },
      { type: "success", message: "DAG etl: run manual__1 succeeded." },
    ]);
  });
});
