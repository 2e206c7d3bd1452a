import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { redisOptionsOf, describeRedisUrl } from "../src/executor/bullmq/settings.js";
import { lostAttempts } from "../src/executor/bullmq/lostAttempts.js";
import { workerStateOf, type WorkerRecord } from "../src/executor/bullmq/registry.js";
import { jobIdOf, parseRemoteJob, toLocalJob, toRemoteJob, truncateLog } from "../src/executor/bullmq/wire.js";
import type { TaskJob } from "../src/executor/protocol.js";

const key = { dagId: "etl.daily", runId: "manual__2026-12-03T09:00:00.123+00:00", taskId: "load", tryNumber: 2 };
const folders = { dags: "/srv/scheduler/dags", examples: "/opt/kitelab/examples" };
const job: TaskJob = {
  key,
  dagFile: "/srv/scheduler/dags/etl/daily.ts",
  logPath: "/srv/scheduler/logs/x.log",
  request: {} as TaskJob["request"],
};

describe("BullMQ job ids", () => {
  it("hold the try number, so a retry is a new job and the same try is the same job", () => {
    assert.match(jobIdOf(key), /\.try2$/);
    assert.equal(jobIdOf(key), jobIdOf({ ...key }));
    assert.notEqual(jobIdOf(key), jobIdOf({ ...key, tryNumber: 3 }));
  });

  it("contain no ':' (BullMQ refuses it) and keep dots in names apart from the separators", () => {
    assert.doesNotMatch(jobIdOf(key), /:/);
    assert.notEqual(jobIdOf({ ...key, dagId: "a.b", taskId: "c" }), jobIdOf({ ...key, dagId: "a", taskId: "b.c" }));
  });
});

describe("attempt messages", () => {
  it("name the DAG file by folder and relative path, and route to the task's queue or the default", () => {
    const remote = toRemoteJob(job, folders, "default");
    assert.deepEqual(remote.ok && remote.value.dagFile, { folder: "dags", path: "etl/daily.ts" });
    assert.equal(remote.ok && remote.value.queue, "default");
    const routed = toRemoteJob({ ...job, queue: "gpu" }, folders, "default");
    assert.equal(routed.ok && routed.value.queue, "gpu");
    assert.equal(
      "logPath" in (remote.ok ? remote.value : {}),
      false,
      "the scheduler's log path stays on the scheduler",
    );
  });

  it("become a job in the worker's own folders, with the log in its own log folder", () => {
    const remote = toRemoteJob(job, folders, "default");
    assert.ok(remote.ok);
    const local = toLocalJob(
      remote.value,
      { dags: "/home/w/dags", examples: "/usr/lib/kitelab/examples" },
      "/home/w/logs",
    );
    assert.ok(local.ok);
    assert.equal(local.value.dagFile, join("/home/w/dags", "etl", "daily.ts"));
    assert.equal(
      local.value.logPath,
      join("/home/w/logs", `dag_id=${key.dagId}`, `run_id=${key.runId}`, "task_id=load", "attempt=2.log"),
    );
  });

  it("a DAG file outside the dags folder and the examples is an error that says why", () => {
    const remote = toRemoteJob({ ...job, dagFile: "/tmp/elsewhere.ts" }, folders, "default");
    assert.equal(remote.ok, false);
    assert.match(
      !remote.ok ? remote.error : "",
      /neither in dags_folder \(\/srv\/scheduler\/dags\) nor among the examples/,
    );
  });

  it("a message whose path leaves the folder is refused", () => {
    const local = toLocalJob(
      { key, queue: "default", request: job.request, dagFile: { folder: "dags", path: "../../etc/x.ts" } },
      folders,
      "/logs",
    );
    assert.equal(local.ok, false);
  });

  it("a malformed message is refused with what is missing", () => {
    const parsed = parseRemoteJob({ key: { dagId: "x" } });
    assert.deepEqual(parsed, {
      ok: false,
      error: "the message has no valid attempt key (dagId, runId, taskId, tryNumber)",
    });
  });

  it("long logs keep their end, with a note", () => {
    const text = truncateLog(`${"a".repeat(100)}END`, 10);
    assert.match(text, /^\[log truncated: the first 93 bytes stayed on the worker\]\naaaaaaaEND$/);
  });
});

describe("lost attempts", () => {
  it("are those claimed by a worker that is no longer alive; waiting ones are not lost", () => {
    assert.deepEqual(
      lostAttempts([
        { id: "waiting", alive: false },
        { id: "running", workerId: "alpha#1", alive: true },
        { id: "orphan", workerId: "beta#2", alive: false },
      ]),
      [{ id: "orphan", workerId: "beta#2" }],
    );
  });
});

describe("worker state", () => {
  const record = { state: "online" } as WorkerRecord;
  it("is offline once heartbeats stop or the worker stopped", () => {
    assert.equal(workerStateOf(record, true), "online");
    assert.equal(workerStateOf(record, false), "offline");
    assert.equal(workerStateOf({ ...record, state: "stopped" }, true), "offline");
    assert.equal(workerStateOf({ ...record, state: "stopping" }, true), "stopping");
  });
});

describe("redis_url", () => {
  it("reads host, port, database and password", () => {
    const options = redisOptionsOf("redis://:s3cret@10.0.0.5:6380/2");
    assert.ok(options.ok);
    assert.equal(options.value.host, "10.0.0.5");
    assert.equal(options.value.port, 6380);
    assert.equal(options.value.db, 2);
    assert.equal(options.value.password, "s3cret");
    assert.equal(options.value.maxRetriesPerRequest, null);
  });

  it("refuses what is not a redis URL, naming the key", () => {
    const options = redisOptionsOf("http://localhost:6379");
    assert.equal(options.ok, false);
    assert.match(
      !options.ok ? options.error : "",
      /\[bullmq\] redis_url "http:\/\/localhost:6379" is not a redis:\/\/ or rediss:\/\/ URL/,
    );
  });

  it("hides the password in messages", () => {
    assert.equal(describeRedisUrl("redis://:s3cret@host:6379/0"), "redis://***@host:6379/0");
  });
});
