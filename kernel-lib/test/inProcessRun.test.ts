import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BashOperator,
  BranchOperator,
  DAG,
  EmptyOperator,
  FileSensor,
  ShortCircuitOperator,
  SkipTask,
  TaskError,
  TriggerDagRunOperator,
  UnrecoverableError,
  withIO,
  type CsvRow,
} from "../src/index.js";

const quiet = { quiet: true } as const;

describe("dag.test(): one run in this process with the engine", () => {
  it("runs tasks in dependency order and passes return values as XComs", async () => {
    const dag = new DAG({ dagId: "order" });
    const order: string[] = [];
    const a = dag.task("a", async () => {
      order.push("a");
      return 2;
    });
    const b = dag.task("b", async ({ ti }) => {
      order.push("b");
      return (ti.xcomPull<number>("a") ?? 0) * 10;
    });
    a.then(b);
    const result = await dag.test(quiet);
    assert.equal(result.state, "success");
    assert.deepEqual(order, ["a", "b"]);
    assert.equal(result.xcom("b"), 20);
  });

  it("masks secret-named Variables and connection passwords in task logs, as Airflow's secrets masker does", async () => {
    const dag = new DAG({ dagId: "secrets" });
    const shell = new BashOperator({
      dag,
      taskId: "shell",
      bashCommand: "echo token={{ var.value.api_token }} team={{ var.value.team }}",
    });
    const fn = dag.task("fn", async ({ log, variables, connections }) => {
      log.info(`password=${connections.get("warehouse")?.password} token=${variables.get("api_token")}`);
    });
    shell.then(fn);
    const result = await dag.test({
      ...quiet,
      variables: { api_token: "tok-123456", team: "risk" },
      connections: { warehouse: { connId: "warehouse", connType: "postgres", password: "pa55word" } },
    });
    assert.equal(result.state, "success");
    const logs = [...result.task("shell")!.logs, ...result.task("fn")!.logs].join("\n");
    assert.match(logs, /token=\*\*\* team=risk/);
    assert.match(logs, /password=\*\*\* token=\*\*\*/);
    assert.ok(!logs.includes("tok-123456") && !logs.includes("pa55word"), logs);
  });

  it("a templated shell command reads an upstream task's return value with ti.xcom_pull", async () => {
    const dag = new DAG({ dagId: "xcom_template" });
    const count = dag.task("count", async () => 1234);
    const report = new BashOperator({
      dag,
      taskId: "report",
      bashCommand: "echo \"rows: {{ ti.xcom_pull(task_ids='count') }}\"",
    });
    count.then(report);
    const result = await dag.test(quiet);
    assert.equal(result.state, "success");
    assert.equal(result.xcom("report"), "rows: 1234", "the last line of output is the bash task's XCom");
  });

  it("gives tasks Airflow's context names for the logical date and params", async () => {
    const dag = new DAG({
      dagId: "context",
      schedule: "@daily",
      startDate: "2024-01-01",
      params: { who: "student", n: 1 },
    });
    dag.task("look", async (ctx) => ({
      ds: ctx.ds,
      nodash: ctx.ds_nodash,
      who: ctx.params.who,
      n: ctx.params.n,
      start: ctx.data_interval_start.toISOString(),
      end: ctx.data_interval_end.toISOString(),
    }));
    const result = await dag.test({ ...quiet, logicalDate: "2024-03-05T00:00:00Z", params: { n: 2 } });
    assert.deepEqual(result.xcom("look"), {
      ds: "2024-03-05",
      nodash: "20240305",
      who: "student",
      n: 2,
      start: "2024-03-04T00:00:00.000Z",
      end: "2024-03-05T00:00:00.000Z",
    });
  });

  it("really retries with the retry delay, then succeeds", async () => {
    const dag = new DAG({ dagId: "retry" });
    const attempts: number[] = [];
    dag.task("flaky", { retries: 2, retryDelay: "50ms" }, async ({ ti }) => {
      attempts.push(Date.now());
      if (ti.tryNumber < 3) throw new TaskError(`attempt ${ti.tryNumber} failed`);
      return "ok";
    });
    const result = await dag.test(quiet);
    assert.equal(result.state, "success");
    assert.equal(result.task("flaky")?.tryNumber, 3);
    assert.ok(attempts[1]! - attempts[0]! >= 45, "the second attempt waited for the retry delay");
  });

  it("does not retry an UnrecoverableError", async () => {
    const dag = new DAG({ dagId: "unrecoverable" });
    dag.task("bad_input", { retries: 5, retryDelay: "10ms" }, async () => {
      throw new UnrecoverableError("the input file is malformed");
    });
    const result = await dag.test(quiet);
    assert.equal(result.state, "failed");
    assert.equal(result.task("bad_input")?.tryNumber, 1);
    assert.match(result.task("bad_input")?.error?.message ?? "", /malformed/);
  });

  it("fails a task past its execution timeout and still runs an all_done cleanup", async () => {
    const dag = new DAG({ dagId: "timeout" });
    const slow = dag.task(
      "slow",
      { executionTimeout: "100ms" },
      () => new Promise((resolve) => setTimeout(resolve, 5000)),
    );
    const cleanup = dag.task("cleanup", { triggerRule: "all_done" }, async () => "cleaned");
    slow.then(cleanup);
    const started = Date.now();
    const result = await dag.test(quiet);
    assert.ok(Date.now() - started < 3000);
    assert.equal(result.task("slow")?.state, "failed");
    assert.match(result.task("slow")?.error?.message ?? "", /executionTimeout/);
    assert.equal(result.task("cleanup")?.state, "success");
    assert.equal(result.state, "success", "the leaf (cleanup) succeeded, so the run succeeds, as in Airflow");
  });

  it("marks a task skipped when it throws SkipTask, and skips its all_success downstream", async () => {
    const dag = new DAG({ dagId: "skip" });
    const first = dag.task("first", async () => {
      throw new SkipTask("nothing to do today");
    });
    const second = dag.task("second", async () => 1);
    first.then(second);
    const result = await dag.test(quiet);
    assert.deepEqual(
      result.tasks.map((task) => task.state),
      ["skipped", "skipped"],
    );
    assert.equal(result.state, "success");
  });

  it("follows the branch a BranchOperator picks and skips the other", async () => {
    const dag = new DAG({ dagId: "branch" });
    const branch = new BranchOperator({ dag, taskId: "pick", chooseBranch: () => "left" });
    const left = dag.task("left", async () => "L");
    const right = dag.task("right", async () => "R");
    const join = new EmptyOperator({ dag, taskId: "join", triggerRule: "none_failed_min_one_success" });
    branch.then([left, right]);
    join.after([left, right]);
    const result = await dag.test(quiet);
    assert.deepEqual(Object.fromEntries(result.tasks.map((task) => [task.taskId, task.state])), {
      pick: "success",
      left: "success",
      right: "skipped",
      join: "success",
    });
  });

  it("fails a branch that picks a task that is not directly downstream, naming the choices", async () => {
    const dag = new DAG({ dagId: "bad_branch" });
    const branch = new BranchOperator({ dag, taskId: "pick", chooseBranch: () => "nowhere" });
    branch.then(dag.task("somewhere", async () => 1));
    const result = await dag.test(quiet);
    assert.match(result.task("pick")?.error?.message ?? "", /'nowhere'.*choose among 'somewhere'/);
  });

  it("short-circuits every downstream task when the condition is false", async () => {
    const dag = new DAG({ dagId: "short" });
    const check = new ShortCircuitOperator({ dag, taskId: "check", condition: () => false });
    const a = dag.task("a", async () => 1);
    const b = dag.task("b", { triggerRule: "all_done" }, async () => 1);
    check.then(a).then(b);
    const result = await dag.test(quiet);
    assert.equal(result.task("a")?.state, "skipped");
    assert.equal(result.task("b")?.state, "skipped", "ignoreDownstreamTriggerRules skips even all_done tasks");
  });

  it("fails a task whose XCom is too large, saying to write a file instead", async () => {
    const dag = new DAG({ dagId: "big" });
    dag.task("huge", async () => "x".repeat(1000));
    const result = await dag.test({ ...quiet, xcomMaxBytes: 100 });
    assert.equal(result.state, "failed");
    assert.match(
      result.task("huge")?.error?.message ?? "",
      /1002 bytes; the limit is 100 bytes.*write the data to a file/,
    );
  });

  it("prints a live view of task states", async () => {
    const dag = new DAG({ dagId: "live" });
    dag.task("hello", async ({ log }) => log.info("hi there"));
    const lines: string[] = [];
    await dag.test({ write: (line) => lines.push(line) });
    const text = lines.join("\n");
    assert.match(text, /DAG live · run manual__/);
    assert.match(text, /▶ hello\s+running\s+try 1\/1/);
    assert.match(text, /hello: hi there/);
    assert.match(text, /✔ hello\s+success/);
    assert.match(text, /Run succeeded in/);
  });

  it("runs a triggered DAG in the same process and waits for it", async () => {
    const child = new DAG({ dagId: "child_for_trigger" });
    child.task("work", async ({ params }) => `got ${String(params.value)}`);
    const master = new DAG({ dagId: "master" });
    new TriggerDagRunOperator({
      dag: master,
      taskId: "trigger",
      triggerDagId: "child_for_trigger",
      conf: { value: 42 },
      waitForCompletion: true,
    });
    const result = await master.test(quiet);
    assert.equal(result.state, "success");
    assert.deepEqual(result.xcom("trigger"), {
      dagId: "child_for_trigger",
      runId: (result.xcom("trigger") as { runId: string }).runId,
      state: "success",
    });
  });
});

describe("operators", () => {
  it("BashOperator renders {{ ds }}, pushes the last line, and fails on a non-zero exit", async () => {
    const dag = new DAG({ dagId: "bash_ops" });
    new BashOperator({ dag, taskId: "echo", bashCommand: "echo first; echo 'day {{ ds }}'" });
    new BashOperator({ dag, taskId: "fail", bashCommand: "echo oops >&2; exit 3" });
    const result = await dag.test({ ...quiet, logicalDate: "2024-02-29T00:00:00Z" });
    assert.equal(result.xcom("echo"), "day 2024-02-29");
    assert.equal(result.task("fail")?.state, "failed");
    assert.match(result.task("fail")?.error?.message ?? "", /exited with code 3/);
    assert.ok(result.task("fail")?.logs.some((line) => line.includes("oops")));
  });

  it("BashOperator kills the whole process group on timeout", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kitelab-bash-"));
    const marker = join(dir, "child-survived");
    const dag = new DAG({ dagId: "bash_timeout" });
    new BashOperator({
      dag,
      taskId: "sleepy",
      executionTimeout: "300ms",
      killGraceMs: 200,
      bashCommand: `(sleep 1.5 && touch ${marker}) & sleep 30`,
    });
    const result = await dag.test(quiet);
    assert.equal(result.task("sleepy")?.state, "failed");
    await new Promise((resolve) => setTimeout(resolve, 1800));
    assert.equal(existsSync(marker), false, "the background child was killed with its group");
  });

  it("BashOperator exit code 99 skips the task", async () => {
    const dag = new DAG({ dagId: "bash_skip" });
    new BashOperator({ dag, taskId: "nothing_new", bashCommand: "exit 99" });
    const result = await dag.test(quiet);
    assert.equal(result.task("nothing_new")?.state, "skipped");
  });

  it("FileSensor waits for a file, and soft-fails to skipped on timeout", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kitelab-sensor-"));
    const dag = new DAG({ dagId: "sensor" });
    new FileSensor({ dag, taskId: "wait_csv", filepath: `${dir}/*.csv`, pokeInterval: "20ms", timeout: "3s" });
    new FileSensor({
      dag,
      taskId: "never",
      filepath: `${dir}/never.txt`,
      pokeInterval: "20ms",
      timeout: "100ms",
      softFail: true,
    });
    setTimeout(() => writeFileSync(join(dir, "data.csv"), "a\n1\n"), 100);
    const result = await dag.test(quiet);
    assert.equal(result.task("wait_csv")?.state, "success");
    assert.equal(result.xcom("wait_csv"), join(dir, "data.csv"));
    assert.equal(result.task("never")?.state, "skipped");
  });

  it("withIO reads a file and writes {date}.csv and latest.csv (lab 1)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kitelab-io-"));
    writeFileSync(join(dir, "input.csv"), "x,y\n1,2\n3,4\n");
    const dag = new DAG({ dagId: "io", params: { dir } });
    dag.task(
      "double",
      withIO<CsvRow[], CsvRow[]>(
        {
          input: "{{ params.dir }}/input.csv",
          output: ["{{ params.dir }}/out/{date}.csv", "{{ params.dir }}/out/latest.csv"],
        },
        (rows) => rows.map((row) => ({ x: row.x ?? null, y: Number(row.y) * 2 })),
      ),
    );
    const result = await dag.test({ ...quiet, logicalDate: "2024-05-06T07:08:09Z" });
    assert.equal(result.state, "success");
    assert.equal(readFileSync(join(dir, "out", "20240506-070809.csv"), "utf8"), "x,y\n1,4\n3,8\n");
    assert.equal(readFileSync(join(dir, "out", "latest.csv"), "utf8"), "x,y\n1,4\n3,8\n");
    assert.deepEqual(result.xcom("double"), {
      input: join(dir, "input.csv"),
      outputs: [join(dir, "out", "20240506-070809.csv"), join(dir, "out", "latest.csv")],
      rows: 2,
    });
  });

  it("withIO says which input is missing", async () => {
    const dag = new DAG({ dagId: "io_missing" });
    dag.task(
      "read",
      withIO({ input: "/nonexistent/kitelab/input.csv", output: "/tmp/never.csv" }, (rows) => rows),
    );
    const result = await dag.test(quiet);
    assert.match(
      result.task("read")?.error?.message ?? "",
      /input file \/nonexistent\/kitelab\/input.csv does not exist/,
    );
  });

  it("a template naming an unknown variable fails the task with the template and the name", async () => {
    const dag = new DAG({ dagId: "bad_template" });
    new BashOperator({ dag, taskId: "typo", retries: 3, bashCommand: "echo {{ dss }}" });
    const result = await dag.test(quiet);
    assert.equal(result.task("typo")?.tryNumber, 1, "a template error is not retried");
    assert.match(result.task("typo")?.error?.message ?? "", /dss/);
    assert.match(result.task("typo")?.error?.message ?? "", /bashCommand/);
  });
});
