import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { DAG } from "../src/dag/dag.js";
import { serializeDag, type SerializedDag } from "../src/dag/serialize.js";
import { FileStore, SCHEMA_VERSION, StoreLockedError } from "../src/persistence/index.js";
import { fernetKeyExposure } from "../src/persistence/secretBox.js";
import type { DagRunRecord, TaskInstanceRecord } from "../src/records.js";
import { tempHome } from "./helpers/tempHome.js";
import { runningScheduler, writeEndpoint } from "../src/cli/schedulerClient.js";

const CHILD = fileURLToPath(new URL("./helpers/storeChild.ts", import.meta.url));
const homes: Array<ReturnType<typeof tempHome>> = [];
after(() => homes.forEach((home) => home.cleanup()));

/** A fresh home and the store folder inside it (not created yet). */
function freshStore(): { home: string; dir: string } {
  const home = tempHome("kitelab-persistence-");
  homes.push(home);
  return { home: home.home, dir: join(home.home, "store") };
}

function sampleDag(dagId: string): SerializedDag {
  const dag = new DAG({ dagId, schedule: "@daily", startDate: new Date("2024-01-01T00:00:00Z") });
  const extract = dag.task("extract", async () => [1, 2, 3]);
  extract.then(dag.task("load", async () => undefined));
  // As the DAG processor sends it (JSON over IPC): without undefined fields.
  return JSON.parse(JSON.stringify(serializeDag(dag, `/dags/${dagId}.ts`))) as SerializedDag;
}

function sampleRun(dagId: string, runId: string): DagRunRecord {
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
    conf: { size: 3 },
    externalTrigger: true,
  };
}

function sampleTaskInstances(dagId: string, runId: string): TaskInstanceRecord[] {
  return ["extract", "load"].map((taskId) => ({ dagId, runId, taskId, state: "scheduled", tryNumber: 0, maxTries: 2 }));
}

/** Every file under a folder, as [relative path, bytes]. */
function allFiles(root: string): Array<[string, Buffer]> {
  const files: Array<[string, Buffer]> = [];
  for (const name of readdirSync(root, { recursive: true }) as string[]) {
    const path = join(root, name);
    if (statSync(path).isFile()) files.push([relative(root, path), readFileSync(path)]);
  }
  return files;
}

function snapshot(root: string): Record<string, string> {
  return Object.fromEntries(allFiles(root).map(([name, bytes]) => [name, bytes.toString("base64")]));
}

function startChild(mode: "hold", dir: string, home: string): Promise<{ child: ChildProcess; pid: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, mode, dir, home], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk) => {
      output += chunk;
      const ready = /ready (\d+)/.exec(output);
      if (ready) resolve({ child, pid: Number(ready[1]) });
    });
    child.stderr!.on("data", (chunk) => (output += chunk));
    child.once("exit", (code) => reject(new Error(`the store child exited (${code}) before it was ready:\n${output}`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

describe("the store's single-writer lock", () => {
  it("refuses a second writer while the first one lives, naming its pid and how to stop it", async () => {
    const { home, dir } = freshStore();
    const holder = await startChild("hold", dir, home);
    try {
      assert.throws(
        () => FileStore.open(dir, { writer: true, home }),
        (error: Error) => {
          assert.ok(error instanceof StoreLockedError, `expected a StoreLockedError, got ${error.name}`);
          assert.match(error.message, new RegExp(`pid ${holder.pid}\\b`));
          assert.match(error.message, new RegExp(`kill ${holder.pid}\\b`));
          assert.ok(error.message.includes(dir), "the message names the store");
          return true;
        },
      );
      const lock = JSON.parse(readFileSync(join(dir, "scheduler.lock"), "utf8")) as { pid: number };
      assert.equal(lock.pid, holder.pid, "the refused writer leaves the holder's lock alone");
      const reader = FileStore.open(dir, { writer: false, home });
      assert.deepEqual(reader.dagStatuses(), [], "readers need no lock");
    } finally {
      await killed(holder.child);
    }
  });

  it("takes over the lock of a writer that died without releasing it (SIGKILL)", async () => {
    const { home, dir } = freshStore();
    const holder = await startChild("hold", dir, home);
    await killed(holder.child);
    assert.ok(existsSync(join(dir, "scheduler.lock")), "a SIGKILLed writer leaves its lock file behind");
    const store = FileStore.open(dir, { writer: true, home });
    assert.equal(store.lockTakenOverFrom?.pid, holder.pid);
    const lock = JSON.parse(readFileSync(join(dir, "scheduler.lock"), "utf8")) as { pid: number };
    assert.equal(lock.pid, process.pid);
    await store.close();
    assert.equal(existsSync(join(dir, "scheduler.lock")), false, "close() releases the lock");
    const again = FileStore.open(dir, { writer: true, home });
    assert.equal(again.lockTakenOverFrom, undefined, "a released lock is not a stale one");
    await again.close();
  });

  it("takes over a dead writer's lock whose pid now belongs to another, unrelated process, and leaves that process alone", async () => {
    const { home, dir } = freshStore();
    const holder = await startChild("hold", dir, home);
    await killed(holder.child);
    // The system gives the dead writer's pid to another program: the lock names a live pid that is not the writer.
    const unrelated = spawn("sleep", ["60"], { stdio: "ignore" });
    try {
      const lockPath = join(dir, "scheduler.lock");
      const stale = JSON.parse(readFileSync(lockPath, "utf8")) as { pid: number; process?: string };
      assert.ok(stale.process, "the lock records the writer's process identity beside its pid");
      writeFileSync(lockPath, JSON.stringify({ ...stale, pid: unrelated.pid }));
      const store = FileStore.open(dir, { writer: true, home });
      assert.equal(store.lockTakenOverFrom?.pid, unrelated.pid);
      assert.equal(unrelated.exitCode, null);
      assert.equal(unrelated.signalCode, null, "the unrelated process is not touched");
      await store.close();

      // The same for the endpoint file the CLI reads to find a running scheduler.
      writeEndpoint(home, { pid: process.pid, url: "http://127.0.0.1:1/", startedAt: new Date().toISOString() });
      assert.equal(runningScheduler(home)?.pid, process.pid, "a live scheduler is found");
      const endpoint = JSON.parse(readFileSync(join(home, "scheduler.json"), "utf8")) as { process?: string };
      writeFileSync(join(home, "scheduler.json"), JSON.stringify({ ...endpoint, pid: unrelated.pid }));
      assert.equal(runningScheduler(home), undefined, "a pid given to another process is no scheduler");
    } finally {
      await killed(unrelated);
    }
  });
});

describe("the fernet key", () => {
  it("given through the environment, no key file is written beside the store; another key cannot open what it sealed", async () => {
    const { home, dir } = freshStore();
    const fernetKey = "env-only-key-0123456789abcdefghijklmnopqrstu";
    const store = FileStore.open(dir, { writer: true, home, fernetKey });
    await store.updateShared((shared, seal) => {
      shared.variables.db_password = { value: seal("pg-secret") };
    });
    await store.close();
    assert.equal(existsSync(join(home, "fernet_key")), false);
    assert.doesNotMatch(readFileSync(join(dir, "shared.json"), "utf8"), /pg-secret/);
    const other = FileStore.open(dir, { writer: false, home, fernetKey: "another-key-0123456789abcdefghijklmnopqrs" });
    assert.throws(() => other.variables(), /cannot be decrypted with this key \(\[core\] fernet_key/);
  });

  it("a generated key file others can read is made private; airflow.cfg holding the key readably is reported", async () => {
    const { home, dir } = freshStore();
    writeFileSync(join(home, "fernet_key"), "old-key-0123456789abcdefghijklmnopqrstuvw\n", { mode: 0o644 });
    chmodSync(join(home, "fernet_key"), 0o644);
    FileStore.open(dir, { writer: false, home });
    assert.equal(statSync(join(home, "fernet_key")).mode & 0o777, 0o600);
    const cfg = join(home, "airflow.cfg");
    writeFileSync(cfg, "[core]\nfernet_key = some-key\n");
    chmodSync(cfg, 0o644);
    assert.match(
      fernetKeyExposure(cfg) ?? "",
      /holds \[core\] fernet_key and other users can read it \(mode 644\): run chmod 600/,
    );
    chmodSync(cfg, 0o600);
    assert.equal(fernetKeyExposure(cfg), undefined);
  });
});

describe("a run's conf at rest", () => {
  it("seals secret-named values, nested ones too, in the run file; the writer and readers get them back as given", async () => {
    const { home, dir } = freshStore();
    const conf = { size: 3, db_password: "conf-secret-1", source: { api_token: "conf-secret-2", region: "eu" } };
    const store = FileStore.open(dir, { writer: true, home });
    await store.createRun(
      { ...sampleRun("daily_sales", "manual__conf"), conf },
      sampleTaskInstances("daily_sales", "manual__conf"),
    );
    await store.close();
    const text = readFileSync(join(dir, "runs", "daily_sales", "manual__conf.json"), "utf8");
    assert.doesNotMatch(text, /conf-secret-1|conf-secret-2/);
    assert.match(text, /"region":"eu"/);
    assert.match(text, /"size":3/);
    assert.deepEqual(FileStore.open(dir, { writer: false, home }).getRun("daily_sales", "manual__conf")?.conf, conf);
    const again = FileStore.open(dir, { writer: true, home });
    assert.deepEqual(again.getRun("daily_sales", "manual__conf")?.conf, conf);
    await again.close();
  });
});

describe("temporary files of interrupted writes", () => {
  it("the writer removes those a dead process left, and keeps those of a live one (a CLI writing shared.json)", async () => {
    const { home, dir } = freshStore();
    const first = FileStore.open(dir, { writer: true, home });
    await first.createRun(sampleRun("daily_sales", "manual__1"), sampleTaskInstances("daily_sales", "manual__1"));
    await first.close();
    const dead = spawn(process.execPath, ["-e", ""]);
    const deadPid = await new Promise<number>((resolve) => dead.once("exit", () => resolve(dead.pid!)));
    const orphans = [
      join(dir, `meta.json.${deadPid}.tmp`),
      join(dir, "runs", "daily_sales", `manual__1.json.${deadPid}.tmp`),
    ];
    const live = join(dir, `shared.json.${process.pid}.tmp`);
    for (const path of [...orphans, live]) writeFileSync(path, '{"half": "a wri');

    const reader = FileStore.open(dir, { writer: false, home });
    assert.ok(reader.getRun("daily_sales", "manual__1"));
    assert.ok(
      orphans.every((path) => existsSync(path)),
      "readers remove nothing",
    );
    const store = FileStore.open(dir, { writer: true, home });
    await store.close();
    assert.deepEqual(
      orphans.filter((path) => existsSync(path)),
      [],
      "the dead writer's temporary files are gone",
    );
    assert.ok(existsSync(live), "a live process's temporary file is left alone");
  });

  it("a write whose data cannot be serialized fails, changes nothing on disk, and leaves no temporary file", async () => {
    const { home, dir } = freshStore();
    const store = FileStore.open(dir, { writer: true, home });
    await store.updateShared((shared) => {
      shared.variables.region = { value: "eu" };
    });
    const before = snapshot(dir);
    await assert.rejects(
      store.updateShared((shared) => {
        shared.variables.count = { value: 10n as unknown as string };
      }),
      /BigInt/,
    );
    assert.deepEqual(snapshot(dir), before, "shared.json is unchanged and no .tmp file was created");
    assert.deepEqual(store.variables(), { region: "eu" }, "the change that was not written is not read either");
    await store.close();
  });
});

describe("schema versions", () => {
  it("migrates a version 1 store to version 2, keeping every DAG, paused flag, import error, run and variable", async () => {
    const { home, dir } = freshStore();
    const daily = sampleDag("daily_sales");
    const weekly = sampleDag("weekly_report");
    const orphan = sampleDag("not_in_paused_map");
    mkdirSync(join(dir, "runs", "daily_sales"), { recursive: true });
    // Version 1 kept paused flags in their own map, and its files had no schemaVersion in shared.json and runs.
    writeFileSync(
      join(dir, "meta.json"),
      JSON.stringify({
        schemaVersion: 1,
        dags: { daily_sales: daily, weekly_report: weekly, not_in_paused_map: orphan },
        paused: { daily_sales: false, weekly_report: true },
        active: { daily_sales: true, weekly_report: false },
        importErrors: {
          "/dags/broken.ts": {
            name: "SyntaxError",
            message: "Unexpected token",
            line: 3,
            timestamp: "2024-01-01T00:00:00.000Z",
          },
        },
      }),
    );
    writeFileSync(
      join(dir, "shared.json"),
      JSON.stringify({
        variables: { region: { value: "eu" } },
        connections: {},
        pools: { etl: { name: "etl", slots: 2 } },
      }),
    );
    const run = sampleRun("daily_sales", "manual__1");
    writeFileSync(
      join(dir, "runs", "daily_sales", "manual__1.json"),
      JSON.stringify({
        run,
        taskInstances: Object.fromEntries(sampleTaskInstances("daily_sales", "manual__1").map((ti) => [ti.taskId, ti])),
        xcoms: [],
      }),
    );

    const store = FileStore.open(dir, { writer: true, home });
    const statuses = Object.fromEntries(store.dagStatuses().map((status) => [status.dagId, status]));
    assert.deepEqual(statuses.daily_sales, { dagId: "daily_sales", isPaused: false, isActive: true });
    assert.deepEqual(statuses.weekly_report, { dagId: "weekly_report", isPaused: true, isActive: false });
    assert.deepEqual(
      statuses.not_in_paused_map,
      { dagId: "not_in_paused_map", isPaused: true, isActive: true },
      "a DAG missing from v1's paused map starts paused, as Airflow's default",
    );
    assert.deepEqual(store.getDag("daily_sales"), daily);
    assert.deepEqual(
      store.importErrorList().map((error) => [error.file, error.line]),
      [["/dags/broken.ts", 3]],
    );
    assert.deepEqual(store.getRun("daily_sales", "manual__1"), run);
    assert.equal(store.variables().region, "eu");
    assert.deepEqual(store.poolSizes().get("etl"), 2);

    await store.setPaused("weekly_report", false);
    await store.updateTaskInstances("daily_sales", "manual__1", [
      { taskId: "extract", state: "success", tryNumber: 1 },
    ]);
    await store.updateShared((shared) => {
      shared.variables.region = { value: "us" };
    });
    await store.close();

    const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as Record<string, unknown>;
    assert.equal(meta.schemaVersion, SCHEMA_VERSION);
    assert.equal(meta.paused, undefined, "version 2 has no separate paused map");
    assert.deepEqual((meta.statuses as Record<string, { isPaused: boolean }>).weekly_report!.isPaused, false);
    assert.equal(JSON.parse(readFileSync(join(dir, "shared.json"), "utf8")).schemaVersion, SCHEMA_VERSION);
    assert.equal(
      JSON.parse(readFileSync(join(dir, "runs", "daily_sales", "manual__1.json"), "utf8")).schemaVersion,
      SCHEMA_VERSION,
    );

    const reopened = FileStore.open(dir, { writer: false, home });
    assert.deepEqual(
      reopened
        .dagStatuses()
        .map((status) => [status.dagId, status.isPaused])
        .sort(),
      [
        ["daily_sales", false],
        ["not_in_paused_map", true],
        ["weekly_report", false],
      ],
    );
    assert.equal(
      reopened.taskInstances("daily_sales", "manual__1").find((ti) => ti.taskId === "extract")?.state,
      "success",
    );
    assert.equal(reopened.variables().region, "us");
  });

  it("refuses a store written by a newer Kitelab, saying which file and version, and changes nothing", () => {
    const { home, dir } = freshStore();
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "meta.json"),
      JSON.stringify({ schemaVersion: SCHEMA_VERSION + 7, dags: {}, statuses: {}, importErrors: {}, somethingNew: [] }),
    );
    const before = snapshot(dir);
    assert.throws(
      () => FileStore.open(dir, { writer: true, home }),
      (error: Error) => {
        assert.ok(error.message.includes(join(dir, "meta.json")), error.message);
        assert.match(
          error.message,
          new RegExp(
            `newer Kitelab \\(schema version ${SCHEMA_VERSION + 7}; this one reads up to ${SCHEMA_VERSION}\\)`,
          ),
        );
        assert.match(error.message, /Upgrade Kitelab/);
        return true;
      },
    );
    assert.deepEqual(snapshot(dir), before, "the refused store is left exactly as it was (no lock file left behind)");
  });
});

describe("a damaged store file", () => {
  async function populated(): Promise<{ home: string; dir: string }> {
    const paths = freshStore();
    const store = FileStore.open(paths.dir, { writer: true, home: paths.home });
    await store.saveDags([sampleDag("daily_sales")], () => false);
    await store.createRun(sampleRun("daily_sales", "manual__1"), sampleTaskInstances("daily_sales", "manual__1"));
    await store.createRun(sampleRun("daily_sales", "manual__2"), sampleTaskInstances("daily_sales", "manual__2"));
    await store.updateShared((shared) => {
      shared.variables.region = { value: "eu" };
    });
    await store.close();
    return paths;
  }

  for (const [what, file, damage, advice] of [
    [
      "meta.json edited by hand",
      ["meta.json"],
      (text: string) => text.replace(/}$/, ",}"),
      /Restore it from a backup; or, to start afresh, move the whole store folder/,
    ],
    ["an empty shared.json", ["shared.json"], () => "", /restore it from a backup, or move it away/],
  ] as const) {
    it(`${what}: the error names the file and what to do, and nothing else is lost`, async () => {
      const { home, dir } = await populated();
      const damaged = join(dir, ...file);
      writeFileSync(damaged, damage(readFileSync(damaged, "utf8")));
      const before = snapshot(dir);
      for (const writer of [true, false]) {
        assert.throws(
          () => FileStore.open(dir, { writer, home }),
          (error: Error) => {
            assert.ok(error.message.includes(damaged), `the message names ${damaged}: ${error.message}`);
            assert.match(error.message, advice);
            return true;
          },
        );
      }
      assert.deepEqual(snapshot(dir), before, "a failed open changes no file and leaves no lock behind");

      // meta.json cannot be moved away alone (see "a fresh store and one whose meta.json is gone").
      if (damaged.endsWith("meta.json")) return;
      writeFileSync(`${damaged}.bad`, readFileSync(damaged));
      rmSync(damaged);
      const store = FileStore.open(dir, { writer: false, home });
      const runs = store
        .allRuns("daily_sales")
        .map((run) => run.runId)
        .sort();
      assert.deepEqual(runs, ["manual__1", "manual__2"], "every run is still there");
      assert.ok(store.getDag("daily_sales"), "the DAGs are still there");
    });
  }
});

describe("a fresh store and one whose meta.json is gone", () => {
  async function withPausedDagAndRun(): Promise<{ home: string; dir: string }> {
    const paths = freshStore();
    const store = FileStore.open(paths.dir, { writer: true, home: paths.home });
    await store.saveDags([sampleDag("daily_sales")], () => true);
    await store.createRun(sampleRun("daily_sales", "manual__1"), sampleTaskInstances("daily_sales", "manual__1"));
    await store.close();
    return paths;
  }

  for (const [what, damage] of [
    ["meta.json emptied to {}", (path: string) => writeFileSync(path, "{}")],
    ["meta.json deleted", (path: string) => rmSync(path)],
  ] as const) {
    it(`${what}: refused by writer and reader, naming the file, what it held and what to do; nothing is changed`, async () => {
      const { home, dir } = await withPausedDagAndRun();
      damage(join(dir, "meta.json"));
      const before = snapshot(dir);
      for (const writer of [true, false]) {
        assert.throws(
          () => FileStore.open(dir, { writer, home }),
          (error: Error) => {
            assert.ok(error.message.includes(join(dir, "meta.json")), error.message);
            assert.match(error.message, /paused flag/);
            assert.match(error.message, /Restore it from a backup; or, to start afresh, move the whole store folder/);
            return true;
          },
        );
      }
      assert.deepEqual(snapshot(dir), before, "no new meta.json replaces the lost one, and no lock is left");
    });
  }

  it("a home where only Variables were set before the first start is fresh: it opens with an empty DAG list", async () => {
    const { home, dir } = freshStore();
    const reader = FileStore.open(dir, { writer: false, home });
    await reader.updateShared((shared) => {
      shared.variables.region = { value: "eu" };
    });
    const writer = FileStore.open(dir, { writer: true, home });
    assert.deepEqual(writer.dagStatuses(), []);
    assert.equal(writer.variables().region, "eu");
    await writer.close();
  });
});

describe("a run file that cannot be read", () => {
  async function populated(): Promise<{ home: string; dir: string }> {
    const paths = freshStore();
    const store = FileStore.open(paths.dir, { writer: true, home: paths.home });
    await store.saveDags([sampleDag("daily_sales")], () => true);
    await store.createRun(sampleRun("daily_sales", "manual__1"), sampleTaskInstances("daily_sales", "manual__1"));
    await store.createRun(sampleRun("daily_sales", "manual__2"), sampleTaskInstances("daily_sales", "manual__2"));
    await store.updateShared((shared) => {
      shared.variables.region = { value: "eu" };
    });
    await store.close();
    return paths;
  }

  for (const [what, damage, reason] of [
    ["cut short", (text: string) => text.slice(0, Math.floor(text.length / 2)), /^is not valid JSON/],
    ["holding JSON that is not a record", () => "[1, 2, 3]", /^holds an array, not a Kitelab record$/],
    ["without its run", (text: string) => text.replace('"run":', '"lost":'), /missing or wrong: run/],
  ] as const) {
    it(`${what}: a reader skips it and moves nothing; the writer sets it aside with its journal, and loses nothing else`, async () => {
      const { home, dir } = await populated();
      const damaged = join(dir, "runs", "daily_sales", "manual__2.json");
      const bad = damage(readFileSync(damaged, "utf8"));
      writeFileSync(damaged, bad);
      writeFileSync(`${damaged}l`, "");
      const before = snapshot(dir);

      const reader = FileStore.open(dir, { writer: false, home });
      assert.deepEqual(
        reader.allRuns("daily_sales").map((run) => run.runId),
        ["manual__1"],
      );
      assert.equal(reader.variables().region, "eu");
      const [skipped] = reader.damagedFiles();
      assert.equal(skipped?.runId, "manual__2");
      assert.equal(skipped?.movedTo, undefined);
      assert.match(skipped!.reason, reason);
      assert.deepEqual(snapshot(dir), before, "a reader changes no file");

      const writer = FileStore.open(dir, { writer: true, home });
      assert.deepEqual(
        writer.allRuns("daily_sales").map((run) => run.runId),
        ["manual__1"],
      );
      assert.equal(writer.dagStatuses()[0]?.isPaused, true, "the DAGs and their flags are still there");
      assert.equal(writer.variables().region, "eu");
      const [aside] = writer.damagedFiles();
      assert.match(aside!.movedTo!, /^quarantine\/[^/]+\/runs\/daily_sales\/manual__2\.json$/);
      assert.equal(readFileSync(join(dir, aside!.movedTo!), "utf8"), bad, "the file is kept as it was");
      assert.ok(existsSync(join(dir, `${aside!.movedTo!}l`)), "its journal went with it");
      assert.ok(!existsSync(damaged) && !existsSync(`${damaged}l`));
      assert.match(aside!.reason, reason);
      assert.match(aside!.restore, /move them back to runs\/daily_sales\/manual__2\.json/);
      // A new run with the same id is possible meanwhile; the damaged one stays listed until it is dealt with.
      await writer.close();
      assert.deepEqual(
        FileStore.open(dir, { writer: false, home })
          .damagedFiles()
          .map((file) => file.movedTo),
        [aside!.movedTo],
        "still listed after a restart, from quarantine/",
      );
    });
  }

  it("a journal damaged before its last line sets its run aside too", async () => {
    const { home, dir } = await populated();
    const journal = join(dir, "runs", "daily_sales", "manual__1.jsonl");
    writeFileSync(journal, 'not json\n{"seq":1,"change":{}}\n');
    const writer = FileStore.open(dir, { writer: true, home });
    assert.deepEqual(
      writer.allRuns().map((run) => run.runId),
      ["manual__2"],
    );
    assert.match(writer.damagedFiles()[0]!.reason, /^journal: line 1 is not a Kitelab journal entry/);
    await writer.close();
  });
});

describe("secrets at rest", () => {
  it("never writes a connection password, a secret-named extra or a secret-named Variable's value in plaintext, yet reads them back", async () => {
    const { home, dir } = freshStore();
    const password = "correct-horse-battery-staple";
    const dbPassword = "s3cr3t-variable-value";
    const apiToken = "tok-0123456789abcdef";
    const extraKey = "extra-key-456-in-the-uri";
    const store = FileStore.open(dir, { writer: true, home });
    await store.updateShared((shared, seal) => {
      shared.connections.warehouse = {
        connId: "warehouse",
        connType: "postgres",
        host: "db.example",
        login: "alice",
        password: seal(password),
        port: 5432,
        extra: { api_key: extraKey, region: "eu-west-1", sslmode: "require" },
      };
      shared.variables.db_password = { value: dbPassword };
      shared.variables.API_TOKEN = { value: apiToken, description: "for the weather API" };
      shared.variables.region = { value: "eu-west-1" };
    });
    await store.saveDags([sampleDag("daily_sales")], () => false);
    await store.close();

    const secrets = [password, dbPassword, apiToken, extraKey];
    const files = allFiles(home);
    assert.ok(
      files.some(([name]) => name.endsWith("shared.json")),
      "shared.json was written",
    );
    for (const [name, bytes] of files) {
      for (const secret of secrets) {
        assert.equal(bytes.includes(Buffer.from(secret)), false, `${name} holds "${secret}" in plaintext`);
        assert.equal(
          bytes.includes(Buffer.from(Buffer.from(secret).toString("base64").slice(0, 16))),
          false,
          `${name} holds "${secret}" merely base64-encoded`,
        );
      }
    }
    assert.ok(
      readFileSync(join(dir, "shared.json")).includes(Buffer.from("eu-west-1")),
      "ordinary variables stay readable in the file",
    );

    const reader = FileStore.open(dir, { writer: false, home });
    assert.equal(reader.connections().warehouse?.password, password);
    assert.deepEqual(
      reader.connections().warehouse?.extra,
      { api_key: extraKey, region: "eu-west-1", sslmode: "require" },
      "a secret-named extra is sealed at rest and opened for tasks; the others stay as they are",
    );
    assert.deepEqual(reader.variables(), { db_password: dbPassword, API_TOKEN: apiToken, region: "eu-west-1" });
    assert.deepEqual(
      reader.variableRecords().find((variable) => variable.key === "API_TOKEN"),
      { key: "API_TOKEN", value: apiToken, description: "for the weather API" },
    );
  });

  it("a secret-named Variable stored in plaintext by an older Kitelab is still read, and sealed on the next write", async () => {
    const { home, dir } = freshStore();
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "shared.json"),
      JSON.stringify({
        schemaVersion: 2,
        variables: { smtp_password: { value: "old-plain-secret" } },
        connections: {},
        pools: {},
      }),
    );
    const store = FileStore.open(dir, { writer: true, home });
    assert.equal(store.variables().smtp_password, "old-plain-secret");
    await store.updateShared((shared) => {
      shared.variables.other = { value: "x" };
    });
    await store.close();
    assert.equal(readFileSync(join(dir, "shared.json"), "utf8").includes("old-plain-secret"), false);
    assert.equal(FileStore.open(dir, { writer: false, home }).variables().smtp_password, "old-plain-secret");
  });
});

describe("reopening the store", () => {
  it("gives back exactly what was written: DAGs, statuses, import errors, runs, task instances, XComs, variables, connections, pools", async () => {
    const { home, dir } = freshStore();
    const store = FileStore.open(dir, { writer: true, home });
    await store.saveDags([sampleDag("daily_sales"), sampleDag("odd.id-2")], (dag) => dag.dagId !== "daily_sales");
    await store.setPaused("odd.id-2", false);
    await store.setImportErrors(
      new Map([["/dags/broken.ts", { name: "SyntaxError", message: "Unexpected token '}'", line: 12 }]]),
    );
    await store.heartbeat({ pid: 4242, hostname: "laptop", at: "2024-01-02T03:04:05.000Z" });
    await store.createRun(
      { ...sampleRun("daily_sales", "scheduled__2024-01-01T00:00:00+00:00"), runType: "scheduled" },
      sampleTaskInstances("daily_sales", "scheduled__2024-01-01T00:00:00+00:00"),
    );
    await store.createRun(sampleRun("odd.id-2", "manual/1 ü"), sampleTaskInstances("odd.id-2", "manual/1 ü"));
    await store.updateTaskInstances("daily_sales", "scheduled__2024-01-01T00:00:00+00:00", [
      {
        taskId: "extract",
        state: "success",
        tryNumber: 1,
        durationMs: 120,
        startDate: "2024-01-02T00:00:01.000Z",
        endDate: "2024-01-02T00:00:01.120Z",
      },
      {
        taskId: "load",
        state: "up_for_retry",
        tryNumber: 1,
        nextRetryAt: "2024-01-02T00:05:00.000Z",
        error: { name: "Error", message: "disk full" },
      },
    ]);
    await store.setXComs("daily_sales", "scheduled__2024-01-01T00:00:00+00:00", "extract", [
      { key: "return_value", value: { rows: [1, 2, 3], nested: { ok: true } } },
    ]);
    await store.updateRun("daily_sales", "scheduled__2024-01-01T00:00:00+00:00", {
      state: "failed",
      endDate: "2024-01-02T00:10:00.000Z",
    });
    await store.updateShared((shared, seal) => {
      shared.variables.region = { value: "eu", description: "where the data lives" };
      shared.variables.db_password = { value: "pw-1" };
      shared.connections.fs_default = { connId: "fs_default", connType: "fs", extra: { path: "/data" } };
      shared.connections.pg = { connId: "pg", connType: "postgres", login: "bob", password: seal("pw-2"), port: 5432 };
      shared.pools.etl = { name: "etl", slots: 3, description: "ETL jobs" };
    });

    const expectState = (target: FileStore) => ({
      dags: ["daily_sales", "odd.id-2"].map((dagId) => target.getDag(dagId)),
      statuses: target.dagStatuses().sort((a, b) => a.dagId.localeCompare(b.dagId)),
      importErrors: target.importErrorList(),
      heartbeat: target.latestHeartbeat(),
      runs: target.allRuns().sort((a, b) => a.runId.localeCompare(b.runId)),
      activeRuns: target.activeRuns(),
      taskInstances: target
        .allRuns()
        .map((run) => target.taskInstances(run.dagId, run.runId).sort((a, b) => a.taskId.localeCompare(b.taskId)))
        .sort((a, b) => a[0]!.runId.localeCompare(b[0]!.runId)),
      xcoms: target.xcoms("daily_sales", "scheduled__2024-01-01T00:00:00+00:00"),
      variables: target.variableRecords().sort((a, b) => a.key.localeCompare(b.key)),
      connections: target.connections(),
      pools: target.poolRecords(),
    });
    const written = expectState(store);
    await store.close();

    assert.equal(
      written.statuses.find((status) => status.dagId === "daily_sales")?.lastAutomatedInterval?.end,
      "2024-01-02T00:00:00.000Z",
    );
    assert.equal(written.runs.length, 2);
    assert.deepEqual(written.xcoms[0]?.value, { rows: [1, 2, 3], nested: { ok: true } });
    assert.equal(written.connections.pg?.password, "pw-2");
    for (const writer of [false, true]) {
      const reopened = FileStore.open(dir, { writer, home });
      assert.deepEqual(expectState(reopened), written, `reopened as ${writer ? "the writer" : "a reader"}`);
      await reopened.close();
    }
  });

  it("a reader sees what the writer wrote after it opened, once it refreshes", async () => {
    const { home, dir } = freshStore();
    const writer = FileStore.open(dir, { writer: true, home });
    const reader = FileStore.open(dir, { writer: false, home });
    await writer.saveDags([sampleDag("daily_sales")], () => true);
    await writer.createRun(sampleRun("daily_sales", "manual__1"), sampleTaskInstances("daily_sales", "manual__1"));
    assert.equal(reader.getRun("daily_sales", "manual__1"), undefined);
    reader.refresh();
    assert.equal(reader.getRun("daily_sales", "manual__1")?.state, "running");
    assert.equal(reader.dagStatuses()[0]?.isPaused, true);
    await writer.close();
  });
});

describe("the journal beside each snapshot", () => {
  const runFile = (dir: string) => join(dir, "runs", "daily_sales", "manual__1.json");

  it("writes the changes of one turn together, after the turn, and nothing while it runs", async () => {
    const { home, dir } = freshStore();
    const store = FileStore.open(dir, { writer: true, home });
    await store.createRun(sampleRun("daily_sales", "manual__1"), sampleTaskInstances("daily_sales", "manual__1"));
    const writes = [
      store.updateTaskInstances("daily_sales", "manual__1", [{ taskId: "extract", state: "queued", tryNumber: 1 }]),
      store.setXComs("daily_sales", "manual__1", "extract", [{ key: "rows", value: 3 }]),
      store.updateTaskInstances("daily_sales", "manual__1", [{ taskId: "load", state: "queued", tryNumber: 1 }]),
    ];
    assert.equal(existsSync(`${runFile(dir)}l`), false, "nothing is written during the turn");
    await store.commit();
    await Promise.all(writes);
    assert.deepEqual(
      readFileSync(`${runFile(dir)}l`, "utf8")
        .trim()
        .split("\n")
        .map((line) => (JSON.parse(line) as { change: { kind: string } }).change.kind),
      ["task-instances", "xcoms", "task-instances"],
    );
    await store.close();
  });

  it("ignores a last line that a killed writer did not finish, and the next writer appends after the last whole line", async () => {
    const { home, dir } = freshStore();
    const store = FileStore.open(dir, { writer: true, home });
    await store.createRun(sampleRun("daily_sales", "manual__1"), sampleTaskInstances("daily_sales", "manual__1"));
    await store.heartbeat({ pid: 1, hostname: "h", at: "before" });
    await store.close();
    // What a writer SIGKILLed halfway through its second append leaves: one whole line, then part of one.
    const seq = (JSON.parse(readFileSync(runFile(dir), "utf8")) as { journalSeq: number }).journalSeq;
    const whole = JSON.stringify({
      seq: seq + 1,
      change: {
        kind: "task-instances",
        patches: [{ taskId: "extract", set: { state: "running", tryNumber: 1 }, unset: [] }],
      },
    });
    writeFileSync(
      `${runFile(dir)}l`,
      `${whole}\n{"seq":${seq + 2},"change":{"kind":"task-instances","patches":[{"taskId":"load","set":{"state":"fai`,
    );
    writeFileSync(join(dir, "meta.jsonl"), `{"seq":99,"change":{"kind":"heartbeat","heartbeat":{"pid":2,"hostn`);

    const reader = FileStore.open(dir, { writer: false, home });
    assert.equal(
      reader.taskInstances("daily_sales", "manual__1").find((ti) => ti.taskId === "extract")?.state,
      "running",
    );
    assert.equal(
      reader.taskInstances("daily_sales", "manual__1").find((ti) => ti.taskId === "load")?.state,
      "scheduled",
      "the torn change is not applied",
    );
    assert.equal(reader.latestHeartbeat()?.at, "before");

    const writer = FileStore.open(dir, { writer: true, home });
    await writer.updateTaskInstances("daily_sales", "manual__1", [{ taskId: "load", state: "queued", tryNumber: 1 }]);
    await writer.heartbeat({ pid: 3, hostname: "h", at: "after" });
    const again = FileStore.open(dir, { writer: false, home });
    assert.deepEqual(
      again
        .taskInstances("daily_sales", "manual__1")
        .map((ti) => ti.state)
        .sort(),
      ["queued", "running"],
    );
    assert.equal(again.latestHeartbeat()?.at, "after");
    await writer.close();
  });

  it("folds a finished run's journal into its snapshot", async () => {
    const { home, dir } = freshStore();
    const store = FileStore.open(dir, { writer: true, home });
    await store.createRun(sampleRun("daily_sales", "manual__1"), sampleTaskInstances("daily_sales", "manual__1"));
    await store.updateTaskInstances("daily_sales", "manual__1", [
      { taskId: "extract", state: "success", tryNumber: 1 },
    ]);
    assert.ok(existsSync(`${runFile(dir)}l`));
    await store.updateRun("daily_sales", "manual__1", { state: "success", endDate: "2024-01-02T00:10:00.000Z" });
    assert.equal(existsSync(`${runFile(dir)}l`), false, "the journal is gone");
    const onDisk = JSON.parse(readFileSync(runFile(dir), "utf8")) as {
      schemaVersion: number;
      run: DagRunRecord;
      taskInstances: Record<string, TaskInstanceRecord>;
    };
    assert.equal(onDisk.schemaVersion, SCHEMA_VERSION);
    assert.equal(onDisk.run.state, "success");
    assert.equal(onDisk.taskInstances.extract?.state, "success");
    await store.close();
  });

  it("folds a journal into its snapshot as it grows, so a long run's files stay in proportion to it", async () => {
    const { home, dir } = freshStore();
    const store = FileStore.open(dir, { writer: true, home });
    await store.createRun(sampleRun("daily_sales", "manual__1"), sampleTaskInstances("daily_sales", "manual__1"));
    for (let write = 1; write <= 3000; write += 1)
      void store.updateTaskInstances("daily_sales", "manual__1", [
        { taskId: "extract", state: "running", tryNumber: write },
      ]);
    await store.commit();
    for (let write = 3001; write <= 3300; write += 1)
      await store.updateTaskInstances("daily_sales", "manual__1", [
        { taskId: "extract", state: "running", tryNumber: write },
      ]);
    assert.ok(
      statSync(`${runFile(dir)}l`).size < 400 * 1024,
      `the journal holds ${statSync(`${runFile(dir)}l`).size} bytes`,
    );
    assert.equal(
      FileStore.open(dir, { writer: false, home })
        .taskInstances("daily_sales", "manual__1")
        .find((ti) => ti.taskId === "extract")?.tryNumber,
      3300,
    );
    await store.close();
  });
});
