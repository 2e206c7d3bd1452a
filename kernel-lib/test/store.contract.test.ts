// One specification of the store, run against both ways of keeping it: in memory (the
// scenario tests' store) and on disk (the scheduler's). For the file store, every case
// also reopens the files and expects to read back exactly what the store showed.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { SerializedDag } from "../src/dag/serialize.js";
import { FileStore, type StoreCore } from "../src/persistence/index.js";
import type { DagRunRecord, TaskInstanceRecord } from "../src/records.js";
import { MemorySchedulerStore } from "../src/scheduler/memoryStore.js";
import { tempHome } from "./helpers/tempHome.js";

const homes: Array<ReturnType<typeof tempHome>> = [];
after(() => homes.forEach((home) => home.cleanup()));

interface Subject {
  store: StoreCore;
  /** The same store read back from wherever it keeps its data (the memory store is its own). */
  reopen(): Promise<StoreCore>;
}

const kinds: Record<string, () => Subject> = {
  memory: () => {
    const store = new MemorySchedulerStore();
    return { store, reopen: async () => store };
  },
  file: () => {
    const home = tempHome("kitelab-contract-");
    homes.push(home);
    const dir = join(home.home, "store");
    const store = FileStore.open(dir, { writer: true, home: home.home });
    return {
      store,
      reopen: async () => {
        await store.close();
        return FileStore.open(dir, { writer: false, home: home.home });
      },
    };
  },
};

function dag(dagId: string): SerializedDag {
  return {
    dagId,
    fileloc: `/dags/${dagId}.ts`,
    schedule: "@daily",
    startDate: "2024-01-01T00:00:00.000Z",
    tasks: [],
    params: {},
  } as unknown as SerializedDag;
}

function run(dagId: string, runId: string, overrides: Partial<DagRunRecord> = {}): DagRunRecord {
  const at = "2024-01-02T00:00:00.000Z";
  return {
    dagId,
    runId,
    runType: "manual",
    state: "running",
    logicalDate: at,
    dataIntervalStart: at,
    dataIntervalEnd: at,
    runAfter: at,
    queuedAt: at,
    conf: {},
    externalTrigger: true,
    ...overrides,
  };
}

function instances(dagId: string, runId: string, taskIds = ["extract", "load"]): TaskInstanceRecord[] {
  return taskIds.map((taskId) => ({ dagId, runId, taskId, state: "none", tryNumber: 0, maxTries: 2 }));
}

/** Everything a reader can ask, in a stable order. */
function view(store: StoreCore) {
  return {
    dags: store
      .dagStatuses()
      .sort((a, b) => a.dagId.localeCompare(b.dagId))
      .map((status) => ({ status, dag: store.getDag(status.dagId) })),
    importErrors: store.importErrorList(),
    heartbeat: store.latestHeartbeat(),
    runs: store
      .allRuns()
      .sort((a, b) => a.runId.localeCompare(b.runId))
      .map((record) => ({
        run: record,
        taskInstances: store.taskInstances(record.dagId, record.runId).sort((a, b) => a.taskId.localeCompare(b.taskId)),
        xcoms: store.xcoms(record.dagId, record.runId),
      })),
  };
}

for (const [kind, make] of Object.entries(kinds)) {
  describe(`the store contract (${kind})`, () => {
    /** Runs a case, then checks that the store reads back as it showed itself. */
    async function spec(body: (store: StoreCore) => Promise<void>): Promise<void> {
      const subject = make();
      await body(subject.store);
      await subject.store.commit();
      const shown = view(subject.store);
      assert.deepEqual(view(await subject.reopen()), shown, "reopened, the store reads back what it showed");
    }

    it("shows a change as soon as it is made, before it is durable, and commit() makes every change so far durable", () =>
      spec(async (store) => {
        void store.saveDags([dag("sales")], () => true);
        void store.createRun(run("sales", "manual__1"), instances("sales", "manual__1"));
        void store.updateTaskInstances("sales", "manual__1", [{ taskId: "extract", state: "queued", tryNumber: 1 }]);
        assert.equal(store.taskInstances("sales", "manual__1").find((ti) => ti.taskId === "extract")?.state, "queued");
        assert.deepEqual(store.dagStatuses(), [{ dagId: "sales", isPaused: true, isActive: true }]);
        await store.commit();
      }));

    it("a patch sets the fields it names and removes those it gives as undefined", () =>
      spec(async (store) => {
        await store.createRun(run("sales", "manual__1"), instances("sales", "manual__1"));
        await store.updateTaskInstances("sales", "manual__1", [
          {
            taskId: "load",
            state: "up_for_retry",
            tryNumber: 1,
            nextRetryAt: "2024-01-02T00:05:00.000Z",
            error: { name: "Error", message: "disk full" },
          },
        ]);
        await store.updateTaskInstances("sales", "manual__1", [
          { taskId: "load", state: "queued", tryNumber: 2, nextRetryAt: undefined, error: undefined },
        ]);
        assert.deepEqual(
          store.taskInstances("sales", "manual__1").find((ti) => ti.taskId === "load"),
          { dagId: "sales", runId: "manual__1", taskId: "load", state: "queued", tryNumber: 2, maxTries: 2 },
        );
        await store.updateRun("sales", "manual__1", { state: "success", endDate: "2024-01-02T00:10:00.000Z" });
        await store.updateRun("sales", "manual__1", { state: "queued", endDate: undefined });
        assert.equal(store.getRun("sales", "manual__1")?.endDate, undefined);
        assert.equal("endDate" in store.getRun("sales", "manual__1")!, false);
      }));

    it("XComs of a task replace those with the same key; clearing drops the task's XComs only", () =>
      spec(async (store) => {
        await store.createRun(run("sales", "manual__1"), instances("sales", "manual__1"));
        await store.setXComs("sales", "manual__1", "extract", [
          { key: "return_value", value: [1, 2] },
          { key: "rows", value: 2 },
        ]);
        await store.setXComs("sales", "manual__1", "extract", [{ key: "return_value", value: { nested: [3] } }]);
        await store.setXComs("sales", "manual__1", "load", [{ key: "return_value", value: "done" }]);
        assert.deepEqual(
          store.xcoms("sales", "manual__1").map((xcom) => [xcom.taskId, xcom.key, xcom.value]),
          [
            ["extract", "rows", 2],
            ["extract", "return_value", { nested: [3] }],
            ["load", "return_value", "done"],
          ],
        );
        await store.clearXComs("sales", "manual__1", "extract");
        assert.deepEqual(
          store.xcoms("sales", "manual__1").map((xcom) => xcom.taskId),
          ["load"],
        );
      }));

    it("keeps a caller's objects apart from its own: changing them afterwards changes nothing stored", () =>
      spec(async (store) => {
        const record = run("sales", "manual__1", { conf: { size: 1 } });
        const tis = instances("sales", "manual__1");
        await store.createRun(record, tis);
        record.conf.size = 99;
        tis[0]!.state = "failed";
        const value = { rows: [1] };
        await store.setXComs("sales", "manual__1", "extract", [{ key: "return_value", value }]);
        value.rows.push(2);
        assert.deepEqual(store.getRun("sales", "manual__1")?.conf, { size: 1 });
        assert.equal(store.taskInstances("sales", "manual__1")[0]?.state, "none");
        assert.deepEqual(store.xcoms("sales", "manual__1")[0]?.value, { rows: [1] });
      }));

    it("refuses at once a second run with the same id, and changes to a run it does not have", () =>
      spec(async (store) => {
        await store.createRun(run("sales", "manual__1"), instances("sales", "manual__1"));
        assert.throws(
          () => store.createRun(run("sales", "manual__1"), []),
          /DAG 'sales' already has a run 'manual__1'/,
        );
        assert.throws(() => store.updateRun("sales", "nope", { state: "failed" }), /DAG 'sales' has no run 'nope'/);
        assert.throws(
          () => store.updateTaskInstances("sales", "nope", [{ taskId: "x", state: "failed" }]),
          /DAG 'sales' has no run 'nope'/,
        );
        assert.throws(() => store.setPaused("nope", true), /no DAG 'nope'/);
      }));

    it("lists active runs oldest first, and remembers the latest automated interval only", () =>
      spec(async (store) => {
        await store.saveDags([dag("sales")], () => false);
        await store.createRun(
          run("sales", "scheduled__2", {
            runType: "scheduled",
            logicalDate: "2024-01-02T00:00:00.000Z",
            dataIntervalStart: "2024-01-02T00:00:00.000Z",
            dataIntervalEnd: "2024-01-03T00:00:00.000Z",
          }),
          [],
        );
        await store.createRun(
          run("sales", "scheduled__1", {
            runType: "scheduled",
            state: "queued",
            logicalDate: "2024-01-01T00:00:00.000Z",
            dataIntervalStart: "2024-01-01T00:00:00.000Z",
            dataIntervalEnd: "2024-01-02T00:00:00.000Z",
          }),
          [],
        );
        await store.createRun(
          run("sales", "manual__3", {
            state: "success",
            logicalDate: "2024-01-05T00:00:00.000Z",
            dataIntervalEnd: "2024-01-09T00:00:00.000Z",
          }),
          [],
        );
        assert.deepEqual(
          store.activeRuns().map((record) => record.runId),
          ["scheduled__1", "scheduled__2"],
        );
        assert.deepEqual(store.dagStatuses()[0]?.lastAutomatedInterval, {
          start: "2024-01-02T00:00:00.000Z",
          end: "2024-01-03T00:00:00.000Z",
        });
        assert.deepEqual(store.allRuns("other"), []);
      }));

    it("keeps a DAG's paused flag when the DAG is saved again, and marks DAGs whose file is gone inactive", () =>
      spec(async (store) => {
        await store.saveDags([dag("sales"), dag("report")], () => true);
        await store.setPaused("sales", false);
        await store.saveDags([dag("sales")], () => true);
        await store.deactivateDagsExcept(new Set(["sales"]));
        assert.deepEqual(
          store.dagStatuses().sort((a, b) => a.dagId.localeCompare(b.dagId)),
          [
            { dagId: "report", isPaused: true, isActive: false },
            { dagId: "sales", isPaused: false, isActive: true },
          ],
        );
        await store.heartbeat({ pid: 42, hostname: "laptop", at: "2024-01-02T00:00:00.000Z" });
        assert.equal(store.latestHeartbeat()?.pid, 42);
      }));

    it("keeps an import error's first timestamp while its message stays the same", () =>
      spec(async (store) => {
        await store.setImportErrors(
          new Map([["/dags/broken.ts", { name: "SyntaxError", message: "Unexpected token" }]]),
        );
        const first = store.importErrorList()[0]!.timestamp;
        await new Promise((resolve) => setTimeout(resolve, 5));
        await store.setImportErrors(
          new Map([["/dags/broken.ts", { name: "SyntaxError", message: "Unexpected token" }]]),
        );
        assert.equal(store.importErrorList()[0]!.timestamp, first);
      }));

    it("forgets a deleted DAG with all its runs, and only those", () =>
      spec(async (store) => {
        await store.saveDags([dag("sales"), dag("report")], () => true);
        await store.createRun(run("sales", "manual__1"), instances("sales", "manual__1"));
        await store.updateTaskInstances("sales", "manual__1", [{ taskId: "extract", state: "success" }]);
        await store.createRun(run("report", "manual__1"), instances("report", "manual__1"));
        assert.equal(await store.deleteDag("sales"), 1);
        assert.equal(store.getDag("sales"), undefined);
        assert.deepEqual(
          store.allRuns().map((record) => record.dagId),
          ["report"],
        );
      }));
  });
}
