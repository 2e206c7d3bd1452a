import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BashOperator, chain, DAG, DagDefinitionError, EmptyOperator } from "../src/index.js";

const thisFile = new URL(import.meta.url).pathname;

function definitionError(fn: () => unknown): DagDefinitionError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof DagDefinitionError, `expected a DagDefinitionError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected the definition to fail");
}

describe("defining a DAG", () => {
  it("wires dependencies with then, after, arrays and chain", () => {
    const dag = new DAG({ dagId: "wiring" });
    const [a, b, c, d, e] = ["a", "b", "c", "d", "e"].map((taskId) => new EmptyOperator({ dag, taskId }));
    a!.then([b!, c!]);
    d!.after([b!, c!]);
    chain(d!, e!);
    assert.deepEqual([...dag.upstreamOf("d")].sort(), ["b", "c"]);
    assert.deepEqual([...dag.downstreamOf("a")].sort(), ["b", "c"]);
    assert.deepEqual([...dag.upstreamOf("e")], ["d"]);
  });

  it("refuses task options given after the function instead of ignoring them", () => {
    const dag = new DAG({ dagId: "late_options" });
    const task = dag.task as unknown as (id: string, fn: () => number, options: object) => unknown;
    const error = definitionError(() => task.call(dag, "flaky", () => 1, { retries: 3 }));
    assert.match(error.message, /got its options after the function; options come first/);
    assert.equal(dag.taskIds.length, 0);
  });

  it("says a task is not a promise when one is awaited or returned from an async function", async () => {
    const dag = new DAG({ dagId: "awaited" });
    const extract = new EmptyOperator({ dag, taskId: "extract" });
    const load = new EmptyOperator({ dag, taskId: "load" });
    const build = async (): Promise<unknown> => extract.then(load) as unknown;
    await assert.rejects(build(), (error: Error) => {
      assert.ok(error instanceof DagDefinitionError);
      assert.match(
        error.message,
        /Task 'load' was awaited or returned from an async function: a task is not a promise/,
      );
      return true;
    });
    assert.deepEqual([...dag.upstreamOf("load")], ["extract"]);
  });

  it("chains lists element-wise when two lists are next to each other", () => {
    const dag = new DAG({ dagId: "pairs" });
    const [a, b, c, d] = ["a", "b", "c", "d"].map((taskId) => new EmptyOperator({ dag, taskId }));
    chain([a!, b!], [c!, d!]);
    assert.deepEqual([...dag.upstreamOf("c")], ["a"]);
    assert.deepEqual([...dag.upstreamOf("d")], ["b"]);
  });

  it("refuses a cycle and prints its path, naming the DAG and the file", () => {
    const dag = new DAG({ dagId: "loop" });
    const a = dag.task("a", () => 1);
    const b = dag.task("b", () => 1);
    const c = dag.task("c", () => 1);
    a.then(b).then(c);
    const error = definitionError(() => c.then(a));
    assert.match(error.message, /DAG 'loop'/);
    assert.match(error.message, /cycle: a -> b -> c -> a/);
    assert.ok(error.message.includes(thisFile), error.message);
    assert.deepEqual([...dag.upstreamOf("a")], [], "the refused edge is not kept");
  });

  it("refuses a misspelled time zone, naming the DAG and the closest IANA name", () => {
    const error = definitionError(
      () => new DAG({ dagId: "paris_daily", schedule: "@daily", startDate: "2024-01-01", timezone: "Europe/Pariss" }),
    );
    assert.match(error.message, /DAG 'paris_daily'/);
    assert.match(
      error.message,
      /timezone: Invalid timezone "Europe\/Pariss": expected an IANA time zone name .*Did you mean "Europe\/Paris"\?/,
    );
    assert.ok(error.message.includes(thisFile), error.message);
    assert.match(
      definitionError(() => new DAG({ dagId: "far_off", timezone: "Mars/Olympus_Mons" })).message,
      /Invalid timezone "Mars\/Olympus_Mons"(?!.*Did you mean)/,
    );
    assert.equal(new DAG({ dagId: "in_utc", timezone: "UTC" }).timezone, "UTC");
  });

  it("refuses a duplicate task id", () => {
    const dag = new DAG({ dagId: "dupes" });
    dag.task("extract", () => 1);
    const error = definitionError(() => dag.task("extract", () => 2));
    assert.match(error.message, /duplicate task id 'extract'/);
    assert.match(error.message, /DAG 'dupes'/);
  });

  it("refuses ids too long for the log folder they name, at definition", () => {
    assert.doesNotThrow(() => new DAG({ dagId: "d".repeat(248) }));
    assert.match(
      definitionError(() => new DAG({ dagId: "d".repeat(249) })).message,
      /is 249 characters long; the limit is 248 \(it names a log folder/,
    );
    const dag = new DAG({ dagId: "long_tasks" });
    assert.doesNotThrow(() => dag.task("t".repeat(247), () => 1));
    assert.match(definitionError(() => dag.task("t".repeat(248), () => 1)).message, /the limit is 247/);
  });

  it("refuses ids that would name another folder: '.', '..' and any '..'", () => {
    assert.match(definitionError(() => new DAG({ dagId: ".." })).message, /contains "\.\."/);
    assert.match(definitionError(() => new DAG({ dagId: "." })).message, /is "\." or contains/);
    assert.match(definitionError(() => new DAG({ dagId: "etl..v2" })).message, /for example "etl\.v2"/);
    assert.doesNotThrow(() => new DAG({ dagId: "etl.v2" }));
  });

  it("refuses ids with invalid characters and suggests a valid one", () => {
    assert.match(definitionError(() => new DAG({ dagId: "my dag!" })).message, /contains a space, "!".*"my_dag_"/);
    const dag = new DAG({ dagId: "ids" });
    assert.match(definitionError(() => dag.task("load/data", () => 1)).message, /task id "load\/data" contains "\/"/);
  });

  it("refuses an unknown trigger rule, suggesting the closest one", () => {
    const dag = new DAG({ dagId: "rules" });
    const error = definitionError(() => new EmptyOperator({ dag, taskId: "t", triggerRule: "alldone" as never }));
    assert.match(error.message, /Unknown trigger rule "alldone" \(string\).*did you mean "all_done"/);
  });

  it("refuses an invalid cron expression naming the field", () => {
    const error = definitionError(() => new DAG({ dagId: "cron", schedule: "0 25 * * *", startDate: "2024-01-01" }));
    assert.match(error.message, /hour/);
    assert.match(error.message, /DAG 'cron'/);
  });

  it("refuses an unknown upstream id at validation, suggesting the closest task", () => {
    const dag = new DAG({ dagId: "upstreams" });
    dag.task("extract", () => 1);
    new EmptyOperator({ dag, taskId: "load", upstream: ["extrct"] });
    const error = definitionError(() => dag.validate());
    assert.match(error.message, /unknown upstream task 'extrct'; did you mean 'extract'\?/);
    assert.match(error.message, /task 'load'/);
  });

  it("warns, without failing, when the start date is in the future", () => {
    const future = new Date(Date.now() + 10 * 86_400_000);
    const dag = new DAG({ dagId: "future", schedule: "@daily", startDate: future });
    assert.equal(dag.warnings.length, 1);
    assert.match(dag.warnings[0]!, new RegExp(future.toISOString().slice(0, 10)));
  });

  it("needs a start date for a schedule, and accepts none for manual DAGs", () => {
    assert.match(definitionError(() => new DAG({ dagId: "nostart", schedule: "@daily" })).message, /needs a startDate/);
    assert.equal(new DAG({ dagId: "manual" }).schedule, null);
  });

  it("checks task settings where they are written", () => {
    const dag = new DAG({ dagId: "settings" });
    assert.match(
      definitionError(() => dag.task("t", { retries: -1 }, () => 1)).message,
      /Expected `retries` to be a non-negative integer, got -1 \(number\)/,
    );
    assert.match(definitionError(() => dag.task("u", { retryDelay: "5 minutes" }, () => 1)).message, /retryDelay/);
    assert.match(
      definitionError(() => new DAG({ dagId: "defaults", defaultArgs: { retries: 1.5 } })).message,
      /retries/,
    );
  });

  it("applies defaultArgs to tasks that do not set their own", () => {
    const dag = new DAG({
      dagId: "defaults_ok",
      defaultArgs: { retries: 3, retryDelay: "10s", email: "team@example.com" },
    });
    const inherits = dag.task("inherits", () => 1);
    const own = dag.task("own", { retries: 0 }, () => 1);
    assert.equal(inherits.settings.retries, 3);
    assert.equal(inherits.settings.retryDelayMs, 10_000);
    assert.deepEqual(inherits.settings.email, ["team@example.com"]);
    assert.equal(own.settings.retries, 0);
  });

  it("keeps a DAG loadable when an email address is malformed, with a warning", () => {
    const dag = new DAG({ dagId: "mail_typo" });
    const task = dag.task("t", { email: ["ok@example.com", "not-an-address"] }, () => 1);
    assert.deepEqual(task.settings.email, ["ok@example.com"]);
    assert.ok(dag.warnings.some((warning) => warning.includes("not-an-address")));
  });

  it("requires a bash command", () => {
    const dag = new DAG({ dagId: "bash" });
    assert.throws(() => new BashOperator({ dag, taskId: "b", bashCommand: "" }), /needs a `bashCommand`/);
  });
});

describe("defaults from airflow.cfg", () => {
  it("applies default_task_retries and default_email_on_* to tasks that set nothing", async () => {
    const { setConfiguredTaskDefaults } = await import("../src/dag/taskOptions.js");
    setConfiguredTaskDefaults({ retries: 4, emailOnFailure: false, emailOnRetry: false });
    try {
      const dag = new DAG({ dagId: "configured_defaults", defaultArgs: { emailOnRetry: true } });
      const plain = dag.task("plain", () => 1);
      const own = dag.task("own", { retries: 1 }, () => 1);
      assert.equal(plain.settings.retries, 4);
      assert.equal(plain.settings.emailOnFailure, false);
      assert.equal(plain.settings.emailOnRetry, true, "defaultArgs win over the config file");
      assert.equal(own.settings.retries, 1);
    } finally {
      setConfiguredTaskDefaults({ retries: 0, emailOnFailure: true, emailOnRetry: true });
    }
  });

  it("words the first-run warning with the configured semantics and catchup", () => {
    const saved = process.env.KITELAB__SCHEDULER__CREATE_CRON_DATA_INTERVALS;
    process.env.KITELAB__SCHEDULER__CREATE_CRON_DATA_INTERVALS = "False";
    try {
      const start = new Date(Date.UTC(new Date().getUTCFullYear() + 1, 0, 1));
      const dag = new DAG({ dagId: "future_airflow3", schedule: "@daily", startDate: start });
      const iso = start.toISOString();
      // Airflow 3: the first run's logical date is when it starts; Airflow 2 would start it a day later.
      assert.deepEqual(dag.warnings, [
        `startDate ${iso} is in the future: the first scheduled run (logical date ${iso}) will start at ${iso}.`,
      ]);
    } finally {
      if (saved === undefined) delete process.env.KITELAB__SCHEDULER__CREATE_CRON_DATA_INTERVALS;
      else process.env.KITELAB__SCHEDULER__CREATE_CRON_DATA_INTERVALS = saved;
    }
  });

  it("warns about a malformed run summary address and keeps the good ones", () => {
    const dag = new DAG({ dagId: "summary_typo", runSummaryEmail: { to: "teacher@example.com, nobody-at-example" } });
    assert.deepEqual(dag.runSummaryEmail?.to, ["teacher@example.com"]);
    assert.ok(dag.warnings.some((warning) => /runSummaryEmail.*nobody-at-example/.test(warning)));
  });
});
