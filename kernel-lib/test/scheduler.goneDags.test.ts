import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EXAMPLES_FOLDER } from "../src/dagbag/listFiles.js";
import type { SerializedDag } from "../src/dag/serialize.js";
import { LocalExecutor } from "../src/executor/localExecutor.js";
import { stillListedDagIds } from "../src/scheduler/goneDags.js";
import { MemorySchedulerStore } from "../src/scheduler/memoryStore.js";
import { Scheduler } from "../src/scheduler/scheduler.js";
import { testSchedulerSettings } from "./helpers/schedulerSettings.js";
import { tempHome } from "./helpers/tempHome.js";
import { waitFor } from "./helpers/waitFor.js";

describe("DAGs whose file left the DAG folders are gone as the scheduler starts", () => {
  it("keeps the active DAGs whose file exists in a folder; drops the others; leaves inactive ones alone", () => {
    const files: Record<string, string> = {
      mine: "/home/student/dags/mine.ts",
      nested: "/home/student/dags/team/nested.ts",
      example: "/opt/kitelab/examples/example_bash.ts",
      deleted: "/home/student/dags/deleted.ts",
      sibling: "/home/student/dags-old/sibling.ts",
      asleep: "/home/student/dags/asleep.ts",
    };
    const statuses = Object.keys(files).map((dagId) => ({ dagId, isPaused: false, isActive: dagId !== "asleep" }));
    const listed = stillListedDagIds(
      statuses,
      (dagId) => ({ dagId, fileloc: files[dagId] }) as SerializedDag,
      ["/home/student/dags"],
      (path) => path !== files.deleted,
    );
    assert.deepEqual([...listed].sort(), ["mine", "nested"]);
  });

  it("the example DAGs are no longer listed once load_examples is off, before a slow DAG file finishes importing", async () => {
    const home = tempHome("kitelab-gone-dags-");
    const store = new MemorySchedulerStore();
    const start = async (dagFolders: string[]) => {
      let scheduler: Scheduler;
      const executor = new LocalExecutor({
        parallelism: 1,
        serviceHandler: (...args) => scheduler.serviceHandler(...args),
      });
      scheduler = new Scheduler(store, executor, testSchedulerSettings(home.dags, home.logs, { dagFolders }));
      await executor.start();
      return scheduler;
    };
    try {
      home.writeDag(
        "mine.ts",
        `import { DAG } from "kitelab";\nexport const dag = new DAG({ dagId: "mine", schedule: null });\ndag.task("t", async () => 1);\n`,
      );
      const withExamples = await start([home.dags, EXAMPLES_FOLDER]);
      await withExamples.start();
      const examples = store.dagStatuses().filter((status) => status.dagId.startsWith("example_"));
      assert.ok(examples.length > 0 && examples.every((status) => status.isActive), "the examples were listed");
      await withExamples.stop(1000);

      // Restarted with load_examples = False, and a DAG file that takes seconds to import.
      home.writeDag(
        "slow.ts",
        `import { DAG } from "kitelab";\nconst until = Date.now() + 4000;\nwhile (Date.now() < until) {}\nexport const dag = new DAG({ dagId: "slow", schedule: null });\ndag.task("t", async () => 1);\n`,
      );
      const withoutExamples = await start([home.dags]);
      const starting = withoutExamples.start();
      await waitFor("the examples to be gone", () =>
        store.dagStatuses().some((status) => status.dagId.startsWith("example_") && status.isActive) ? undefined : true,
      );
      assert.equal(store.getDag("slow"), undefined, "gone before the slow file was even imported");
      assert.equal(
        store.dagStatuses().find((status) => status.dagId === "mine")?.isActive,
        true,
        "mine.ts is still listed",
      );
      await starting;
      assert.equal(store.dagStatuses().find((status) => status.dagId === "slow")?.isActive, true);
      await withoutExamples.stop(1000);
    } finally {
      home.cleanup();
    }
  });
});
