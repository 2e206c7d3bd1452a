import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { IDag, IDagRun, IHealth, IImportError, ISchedulerProcess } from "../../src/api.js";
import { KitelabModel } from "../../src/kitelabModel.js";
import { dag, run } from "./fixtures.js";

/** A scheduler whose answers the test changes between polls. */
class FakeScheduler {
  process: ISchedulerProcess = { state: "not-started", started_at: null };
  healthStatus: "healthy" | "unhealthy" = "healthy";
  heartbeat = "hb";
  dagList: IDag[] = [];
  runs = new Map<string, IDagRun[]>();
  errors: IImportError[] = [];
  failing: string | null = null;
  calls: string[] = [];

  async schedulerProcess(): Promise<ISchedulerProcess> {
    this.calls.push("process");
    return this.process;
  }
  async health(): Promise<IHealth> {
    this.calls.push("health");
    return {
      metadatabase: { status: "healthy" },
      scheduler: { status: this.healthStatus, latest_scheduler_heartbeat: this.heartbeat },
    };
  }
  async dags(): Promise<IDag[]> {
    if (this.failing !== null) {
      throw new Error(this.failing);
    }
    return this.dagList;
  }
  async latestRuns(dagId: string): Promise<IDagRun[]> {
    return this.runs.get(dagId) ?? [];
  }
  async importErrors(): Promise<IImportError[]> {
    return this.errors;
  }
}

function modelOver(fake: FakeScheduler) {
  const model = new KitelabModel({ client: fake });
  const finished: string[][] = [];
  let changes = 0;
  model.runsFinished.connect((_, runs) => finished.push(runs.map((r) => r.dag_run_id)));
  model.changed.connect(() => (changes += 1));
  return { model, finished, changes: () => changes };
}

describe("KitelabModel", () => {
  it("does not touch the scheduler API while the process is not started", async () => {
    const fake = new FakeScheduler();
    const { model } = modelOver(fake);
    const snapshot = await model.refresh();
    assert.equal(snapshot.scheduler, "not-started");
    assert.deepEqual(fake.calls, ["process"]);
  });

  it("reads health, DAGs, runs and import errors once the process runs", async () => {
    const fake = new FakeScheduler();
    fake.process = { state: "running", started_at: 1 };
    fake.dagList = [dag("etl"), dag("ml", { is_paused: true })];
    fake.runs.set("etl", [run("etl", "r1", "success", 9)]);
    fake.errors = [{ import_error_id: 1, filename: "broken.ts", stack_trace: "boom", timestamp: null }];
    const snapshot = await modelOver(fake).model.refresh();
    assert.equal(snapshot.scheduler, "healthy");
    assert.equal(snapshot.heartbeat, "hb");
    assert.deepEqual(
      snapshot.dags.map((s) => [s.dag.dag_id, s.dag.is_paused, s.runs.length]),
      [
        ["etl", false, 1],
        ["ml", true, 0],
      ],
    );
    assert.equal(snapshot.importErrors.length, 1);
  });

  it("signals a run that finished between two polls, once", async () => {
    const fake = new FakeScheduler();
    fake.process = { state: "running", started_at: 1 };
    fake.dagList = [dag("etl")];
    fake.runs.set("etl", [run("etl", "r1", "running", 9)]);
    const { model, finished } = modelOver(fake);
    await model.refresh();
    fake.runs.set("etl", [run("etl", "r1", "success", 9)]);
    await model.refresh();
    await model.refresh();
    assert.deepEqual(finished, [["r1"]]);
  });

  it("signals, once, the run of a DAG first seen and finished between two polls", async () => {
    const fake = new FakeScheduler();
    fake.process = { state: "running", started_at: Date.parse("2024-03-01T06:00:00Z") / 1000 };
    fake.heartbeat = "2024-03-01T08:30:00.000Z";
    fake.dagList = [dag("etl")];
    const { model, finished } = modelOver(fake);
    await model.refresh();
    // Between polls: the DAG file appears, its run is triggered and succeeds (runs end at :05).
    fake.heartbeat = "2024-03-01T09:10:00.000Z";
    fake.dagList = [dag("etl"), dag("tour_hello")];
    fake.runs.set("tour_hello", [run("tour_hello", "manual__1", "success", 9)]);
    await model.refresh();
    await model.refresh();
    assert.deepEqual(finished, [["manual__1"]]);
  });

  it("does not signal the old runs a scheduler finds when it comes up, only those that end after it started", async () => {
    const fake = new FakeScheduler();
    const { model, finished } = modelOver(fake);
    await model.refresh();
    fake.process = { state: "starting", started_at: Date.parse("2024-03-01T08:30:00Z") / 1000 };
    await model.refresh();
    fake.process = { ...fake.process, state: "running" };
    fake.heartbeat = "2024-03-01T09:10:00.000Z";
    fake.dagList = [dag("etl")];
    fake.runs.set("etl", [run("etl", "new", "success", 9), run("etl", "old", "success", 8)]);
    await model.refresh();
    assert.deepEqual(finished, [["new"]]);
  });

  it("emits `changed` only when what the views show changed", async () => {
    const fake = new FakeScheduler();
    const { model, changes } = modelOver(fake);
    await model.refresh();
    await model.refresh();
    assert.equal(changes(), 0, "the first snapshot equals the initial one");
    fake.process = { state: "starting", started_at: 1 };
    await model.refresh();
    assert.equal(changes(), 1);
  });

  it("keeps the last known DAGs and says what failed when the API breaks", async () => {
    const fake = new FakeScheduler();
    fake.process = { state: "running", started_at: 1 };
    fake.dagList = [dag("etl")];
    const { model } = modelOver(fake);
    await model.refresh();
    fake.failing = "GET /api/v1/dags answered 500";
    const snapshot = await model.refresh();
    assert.deepEqual(
      snapshot.dags.map((s) => s.dag.dag_id),
      ["etl"],
    );
    assert.equal(snapshot.error, "The scheduler's API failed: GET /api/v1/dags answered 500");
  });

  it("joins a refresh already under way instead of sending a second one", async () => {
    const fake = new FakeScheduler();
    const { model } = modelOver(fake);
    const [a, b] = await Promise.all([model.refresh(), model.refresh()]);
    assert.equal(a, b);
    assert.deepEqual(fake.calls, ["process"]);
  });

  it("checks its interval where it is given", () => {
    assert.throws(() => new KitelabModel({ client: new FakeScheduler(), intervalMs: 10 }), {
      name: "RangeError",
      message: "Expected `intervalMs` to be an integer of at least 250, got 10",
    });
  });
});
