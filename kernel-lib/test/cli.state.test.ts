import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempHome } from "./helpers/tempHome.js";
import { waitFor } from "./helpers/waitFor.js";

const BIN = fileURLToPath(new URL("../bin/kitelab.mjs", import.meta.url));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The caller's environment without KITELAB__/AIRFLOW__ overrides, plus a home with no examples. */
function envFor(home: string, dags: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(KITELAB|AIRFLOW)(__|_HOME$|_CONFIG$)/.test(name)),
  );
  return {
    ...env,
    KITELAB_HOME: home,
    KITELAB__CORE__LOAD_EXAMPLES: "false",
    KITELAB__CORE__DAGS_FOLDER: dags,
    KITELAB__SCHEDULER__SCHEDULER_HEARTBEAT_SEC: "1",
  };
}

/** Runs the real `kitelab` CLI as a user does, in a child process. */
function kitelab(home: { home: string; dags: string }, args: string[]): Promise<Result> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: envFor(home.home, home.dags),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

/** Like `kitelab` but fails the test, showing the output, when the command does not exit 0. */
async function ok(home: { home: string; dags: string }, args: string[]): Promise<string> {
  const result = await kitelab(home, args);
  assert.equal(result.code, 0, `kitelab ${args.join(" ")} exited ${result.code}:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** The rows of a table printed by the CLI, as arrays of cells (header and rule left out). */
function tableRows(text: string): string[][] {
  return text
    .trimEnd()
    .split("\n")
    .slice(2)
    .map((line) => line.split(/\s{2,}/));
}

/** Fails if one of the secrets appears, as bytes, in any file under `root` (but the `except` folders). */
function assertNowhereOnDisk(root: string, secrets: string[], except: string[] = []): void {
  for (const name of readdirSync(root, { recursive: true }) as string[]) {
    if (except.some((folder) => name === folder || name.startsWith(`${folder}/`))) continue;
    const path = join(root, name);
    if (!statSync(path).isFile()) continue;
    const bytes = readFileSync(path);
    for (const secret of secrets)
      assert.equal(bytes.includes(Buffer.from(secret)), false, `${name} holds the secret "${secret}" in plaintext`);
  }
}

const HELLO_DAG = (tokenFile: string) => `import { DAG, BashOperator } from "kitelab";
export const dag = new DAG({ dagId: "hello", schedule: null });
const extract = dag.task("extract", async () => [1, 2, 3]);
extract.then(new BashOperator({ dag, taskId: "say_hello", bashCommand: "echo hello from {{ dag.dag_id }} in {{ var.value.region }}" }));
extract.then(new BashOperator({ dag, taskId: "use_token", bashCommand: "printf %s '{{ var.value.api_token }}' > ${tokenFile}" }));
`;

const FAILING_DAG = `import { DAG, TaskError } from "kitelab";
export const dag = new DAG({ dagId: "failing", schedule: null });
dag.task("boom", async () => { throw new TaskError("the source is down"); });
`;

const BROKEN_DAG = `import { DAG } from "kitelab";

export const dag = new DAG({ dagId: "broken" });
throw new Error("this DAG file is broken on purpose");
`;

// The four groups below use their own homes, so they run side by side; the tests inside each run in order.
describe("the kitelab CLI over a temporary KITELAB_HOME", { concurrency: true }, () => {
  describe("kitelab variables", { concurrency: 1 }, () => {
    const home = tempHome("kitelab-cli-vars-");
    after(() => home.cleanup());

    it("set, get, list and delete a variable", async () => {
      assert.equal(
        await ok(home, ["variables", "set", "region", "eu-west-1", "--description", "where the data lives"]),
        "Variable region set\n",
      );
      assert.equal(await ok(home, ["variables", "get", "region"]), "eu-west-1\n");
      assert.deepEqual(tableRows(await ok(home, ["variables", "list"])), [
        ["region", "eu-west-1", "where the data lives"],
      ]);
      assert.equal(await ok(home, ["variables", "delete", "region"]), "Variable region deleted\n");
      assert.equal(await ok(home, ["variables", "list"]), "(nothing to show)\n");
    });

    it("get and delete of a missing variable fail with a message; get --default prints the default", async () => {
      const missing = await kitelab(home, ["variables", "get", "nope"]);
      assert.deepEqual(missing, { code: 1, stdout: "", stderr: "kitelab: error: Variable nope does not exist\n" });
      assert.equal((await kitelab(home, ["variables", "delete", "nope"])).code, 1);
      assert.equal(await ok(home, ["variables", "get", "nope", "--default", "fallback"]), "fallback\n");
      const badKey = await kitelab(home, ["variables", "set", "has space", "x"]);
      assert.equal(badKey.code, 1);
      assert.match(badKey.stderr, /may contain only letters, digits/);
    });

    it("a secret-named variable is shown as *** in list and get, revealed only with --reveal, and never stored in plaintext", async () => {
      const secret = "hunter2-but-longer";
      const set = await ok(home, ["variables", "set", "db_password", secret]);
      assert.match(set, /its name marks it secret/);
      assert.ok(!set.includes(secret));
      await ok(home, ["variables", "set", "plain_setting", "visible"]);
      const listed = await ok(home, ["variables", "list"]);
      assert.deepEqual(tableRows(listed), [
        ["db_password", "***"],
        ["plain_setting", "visible"],
      ]);
      const json = JSON.parse(await ok(home, ["variables", "list", "-o", "json"])) as Array<{
        key: string;
        value: string;
      }>;
      assert.equal(json.find((row) => row.key === "db_password")?.value, "***");
      assert.equal(await ok(home, ["variables", "get", "db_password"]), "***\n");
      assert.equal(await ok(home, ["variables", "get", "db_password", "--reveal"]), `${secret}\n`);
      assertNowhereOnDisk(home.home, [secret]);
    });
  });

  describe("kitelab connections", { concurrency: 1 }, () => {
    const home = tempHome("kitelab-cli-conns-");
    after(() => home.cleanup());
    const password = "pa55-w0rd-xyz";

    it("add from a URI prints the connection with its password masked", async () => {
      const added = await ok(home, [
        "connections",
        "add",
        "warehouse",
        "--conn-uri",
        `postgres://alice:${password}@db.example:5432/sales?sslmode=require`,
      ]);
      assert.equal(added, "Successfully added `conn_id`=warehouse : postgres://alice:***@db.example:5432/sales\n");
      const second = await ok(home, [
        "connections",
        "add",
        "files",
        "--conn-type",
        "fs",
        "--conn-extra",
        '{"path": "/data"}',
      ]);
      assert.match(second, /conn_id`=files : fs:\/\//);
    });

    it("get and list show every field but the password, which is ***; the JSON output too", async () => {
      const got = await ok(home, ["connections", "get", "warehouse"]);
      assert.deepEqual(tableRows(got), [
        ["warehouse", "postgres", "db.example", "sales", "alice", "***", "5432", '{"sslmode":"require"}'],
      ]);
      const json = JSON.parse(await ok(home, ["connections", "get", "warehouse", "-o", "json"])) as Array<
        Record<string, unknown>
      >;
      assert.deepEqual(json, [
        {
          conn_id: "warehouse",
          conn_type: "postgres",
          host: "db.example",
          schema: "sales",
          login: "alice",
          password: "***",
          port: 5432,
          extra: { sslmode: "require" },
        },
      ]);
      const listed = await ok(home, ["connections", "list"]);
      assert.deepEqual(
        tableRows(listed)
          .map((row) => row[0])
          .sort(),
        ["files", "warehouse"],
      );
      for (const output of [got, listed]) assert.ok(!output.includes(password), `printed the password: ${output}`);
    });

    it("never stores the password in plaintext", () => {
      assertNowhereOnDisk(home.home, [password]);
    });

    it("refuses a duplicate id and a bad one, and delete removes a connection", async () => {
      const duplicate = await kitelab(home, ["connections", "add", "warehouse", "--conn-type", "postgres"]);
      assert.equal(duplicate.code, 1);
      assert.match(duplicate.stderr, /already exists; delete it first/);
      const noType = await kitelab(home, ["connections", "add", "x"]);
      assert.equal(noType.code, 1);
      assert.match(noType.stderr, /give --conn-type .* or --conn-uri/);
      assert.equal(
        await ok(home, ["connections", "delete", "warehouse"]),
        "Successfully deleted connection with `conn_id`=warehouse\n",
      );
      const gone = await kitelab(home, ["connections", "get", "warehouse"]);
      assert.deepEqual(gone, { code: 1, stdout: "", stderr: "kitelab: error: Connection not found: warehouse\n" });
      assert.deepEqual(
        tableRows(await ok(home, ["connections", "list"])).map((row) => row[0]),
        ["files"],
      );
    });
  });

  describe("kitelab pools", { concurrency: 1 }, () => {
    const home = tempHome("kitelab-cli-pools-");
    after(() => home.cleanup());

    it("lists default_pool with 128 slots before any pool is set", async () => {
      assert.deepEqual(tableRows(await ok(home, ["pools", "list"])), [["default_pool", "128", "Default pool"]]);
    });

    it("set creates and resizes a pool; list shows it; delete removes it", async () => {
      assert.equal(await ok(home, ["pools", "set", "etl", "3", "ETL jobs"]), "Pool etl has 3 slot(s)\n");
      assert.deepEqual(tableRows(await ok(home, ["pools", "list"])), [
        ["default_pool", "128", "Default pool"],
        ["etl", "3", "ETL jobs"],
      ]);
      await ok(home, ["pools", "set", "etl", "5"]);
      const json = JSON.parse(await ok(home, ["pools", "list", "-o", "json"])) as Array<{
        name: string;
        slots: number;
      }>;
      assert.equal(json.find((pool) => pool.name === "etl")?.slots, 5);
      await ok(home, ["pools", "set", "default_pool", "4"]);
      assert.equal(tableRows(await ok(home, ["pools", "list"]))[0]![1], "4", "default_pool can be resized");
      assert.equal(await ok(home, ["pools", "delete", "etl"]), "Pool etl deleted\n");
      assert.deepEqual(
        tableRows(await ok(home, ["pools", "list"])).map((row) => row[0]),
        ["default_pool"],
      );
    });

    it("refuses bad slot counts, deleting default_pool, and deleting a missing pool", async () => {
      for (const slots of ["-1", "2.5"]) {
        const result = await kitelab(home, ["pools", "set", "etl", slots]);
        assert.equal(result.code, 1, `slots ${slots}`);
        assert.match(result.stderr, /slots must be a whole number of 0 or more/);
      }
      const defaultPool = await kitelab(home, ["pools", "delete", "default_pool"]);
      assert.equal(defaultPool.code, 1);
      assert.match(defaultPool.stderr, /default_pool cannot be deleted/);
      assert.deepEqual(await kitelab(home, ["pools", "delete", "nope"]), {
        code: 1,
        stdout: "",
        stderr: "kitelab: error: Pool nope does not exist\n",
      });
    });
  });

  describe("a damaged store file", { concurrency: 1 }, () => {
    const home = tempHome("kitelab-cli-damaged-");
    after(() => home.cleanup());

    it("reads and writes fail with the file's name and what to do, and the file is not overwritten", async () => {
      await ok(home, ["variables", "set", "region", "eu-west-1"]);
      await ok(home, ["pools", "set", "etl", "2"]);
      const shared = join(home.home, "kitelab-store", "shared.json");
      const text = readFileSync(shared, "utf8");
      writeFileSync(shared, text.slice(0, text.length - 5));
      for (const args of [
        ["variables", "list"],
        ["variables", "set", "region", "us"],
        ["pools", "list"],
        ["connections", "add", "x", "--conn-type", "fs"],
      ]) {
        const result = await kitelab(home, args);
        assert.equal(result.code, 1, `kitelab ${args.join(" ")}`);
        assert.ok(result.stderr.includes(`${shared} is not valid JSON`), result.stderr);
        assert.match(result.stderr, /restore it from a backup, or move it away/);
      }
      assert.equal(
        readFileSync(shared, "utf8"),
        text.slice(0, text.length - 5),
        "the damaged file is kept as it was, for repair",
      );
    });
  });

  describe("kitelab dags and tasks", { concurrency: 1 }, () => {
    const home = tempHome("kitelab-cli-dags-");
    const outside = mkdtempSync(join(tmpdir(), "kitelab-cli-out-"));
    const tokenFile = join(outside, "token.txt");
    const apiToken = "tok-0f1e2d3c4b5a6978";
    let scheduler: ChildProcess | undefined;
    let schedulerOutput = "";

    before(async () => {
      home.writeDag("hello.ts", HELLO_DAG(tokenFile));
      home.writeDag("failing.ts", FAILING_DAG);
      home.writeDag("broken.ts", BROKEN_DAG);
      await ok(home, ["variables", "set", "region", "eu-west-1"]);
      await ok(home, ["variables", "set", "api_token", apiToken]);
    });

    after(() => {
      scheduler?.kill("SIGKILL");
      home.cleanup();
      rmSync(outside, { recursive: true, force: true });
    });

    describe("before any scheduler has run", () => {
      it("dags list reads the dags folder itself, shows the import error with file and line, and says nothing is scheduled yet", async () => {
        const listed = await kitelab(home, ["dags", "list"]);
        assert.equal(listed.code, 0, listed.stderr);
        assert.deepEqual(
          tableRows(listed.stdout).map((row) => [row[0], row[1], row[2]]),
          [
            ["failing", "None", "True (at creation)"],
            ["hello", "None", "True (at creation)"],
          ],
        );
        assert.match(listed.stderr, /import error in .*broken\.ts:\d+: /);
        assert.match(
          listed.stderr,
          /no scheduler has run yet, so nothing is scheduled\. Start one with `kitelab scheduler`/,
        );
        assert.ok(listed.stderr.includes(home.dags));
        const json = JSON.parse((await kitelab(home, ["dags", "list", "-o", "json"])).stdout) as Array<{
          dag_id: string;
        }>;
        assert.deepEqual(
          json.map((dag) => dag.dag_id),
          ["failing", "hello"],
        );
      });

      it("dags trigger of a DAG the store does not know yet fails and names the command to run", async () => {
        const result = await kitelab(home, ["dags", "trigger", "hello"]);
        assert.equal(result.code, 1);
        assert.equal(result.stdout, "");
        assert.match(result.stderr, /^kitelab: error: no DAG 'hello'.*Start the scheduler once \(kitelab scheduler\)/);
      });

      it("dags test runs the DAG in this process with the store's Variables and prints every task's state", async () => {
        const result = await kitelab(home, ["dags", "test", "hello"]);
        assert.equal(result.code, 0, result.stdout + result.stderr);
        assert.match(result.stdout, /hello from hello in eu-west-1/);
        const states = Object.fromEntries(
          [...result.stdout.matchAll(/^(extract|say_hello|use_token)\s+(\w+)\s+1\s/gm)].map((match) => [
            match[1],
            match[2],
          ]),
        );
        assert.deepEqual(states, { extract: "success", say_hello: "success", use_token: "success" });
        assert.equal(readFileSync(tokenFile, "utf8"), apiToken, "the task got the secret variable's real value");
        rmSync(tokenFile);
      });

      it("dags test of a failing DAG exits 1 and says which task failed and why", async () => {
        const result = await kitelab(home, ["dags", "test", "failing"]);
        assert.equal(result.code, 1);
        assert.match(result.stdout, /^boom\s+failed\s/m);
        assert.match(result.stderr, /boom failed: TaskError: the source is down/);
      });

      it("dags test of a broken DAG file names the file and the line", async () => {
        const result = await kitelab(home, ["dags", "test", join(home.dags, "broken.ts")]);
        assert.equal(result.code, 1);
        assert.ok(result.stderr.includes(`cannot import ${join(home.dags, "broken.ts")}:4`), result.stderr);
        assert.match(result.stderr, /this DAG file is broken on purpose/);
      });
    });

    describe("with a scheduler running", () => {
      before(async () => {
        scheduler = spawn(process.execPath, [BIN, "scheduler"], {
          env: envFor(home.home, home.dags),
          stdio: ["ignore", "pipe", "pipe"],
        });
        scheduler.stdout!.on("data", (chunk) => (schedulerOutput += chunk));
        scheduler.stderr!.on("data", (chunk) => (schedulerOutput += chunk));
        await waitFor("the scheduler to start", async () =>
          /Kitelab scheduler running/.test(schedulerOutput) ? true : undefined,
        );
        await waitFor("the scheduler to list hello", async () =>
          (await kitelab(home, ["dags", "list"])).stdout.includes("hello") ? true : undefined,
        );
      });

      it("dags list shows the DAGs (paused at creation) and counts the file that failed to import", async () => {
        const listed = await kitelab(home, ["dags", "list"]);
        assert.equal(listed.code, 0);
        const rows = tableRows(listed.stdout).map(([dagId, schedule, paused, active, , fileloc]) => [
          dagId,
          schedule,
          paused,
          active,
          fileloc,
        ]);
        const hello = tableRows(listed.stdout).find((row) => row[0] === "hello")!;
        assert.deepEqual([hello[0], hello[1], hello[2], hello[3]], ["hello", "None", "True", "True"]);
        assert.ok(listed.stdout.includes(join(home.dags, "hello.ts")));
        assert.deepEqual(rows.map((row) => row[0]).sort(), ["failing", "hello"]);
        assert.match(listed.stderr, /1 DAG file\(s\) failed to import: kitelab dags list-import-errors/);
        const json = JSON.parse(await ok(home, ["dags", "list", "-o", "json"])) as Array<{
          dag_id: string;
          is_paused: boolean;
        }>;
        assert.equal(json.find((dag) => dag.dag_id === "hello")?.is_paused, true);
      });

      it("dags list-import-errors names the broken file, its line and the error", async () => {
        const rows = tableRows(await ok(home, ["dags", "list-import-errors"]));
        assert.deepEqual(rows, [[`${join(home.dags, "broken.ts")}:4`, "Error: this DAG file is broken on purpose"]]);
      });

      it("tasks list shows a DAG's tasks with their upstream tasks", async () => {
        const rows = tableRows(await ok(home, ["tasks", "list", "hello"]));
        assert.deepEqual(rows.map((row) => row[0]).sort(), ["extract", "say_hello", "use_token"]);
        assert.equal(rows.find((row) => row[0] === "say_hello")![2], "extract");
      });

      it("dags unpause and trigger go through the scheduler; dags state and list-runs follow the run to success", async () => {
        assert.equal(await ok(home, ["dags", "unpause", "hello"]), "Dag: hello, paused: False\n");
        const triggered = await ok(home, ["dags", "trigger", "hello", "--run-id", "manual_1", "--conf", '{"size": 3}']);
        assert.match(triggered, /^Created run manual_1 of hello \((queued|running)\)\n$/);
        const state = await waitFor("manual_1 to finish", async () => {
          const text = (await ok(home, ["dags", "state", "hello", "manual_1"])).trim();
          return text === "success" || text === "failed" ? text : undefined;
        });
        assert.equal(state, "success", schedulerOutput);
        const runs = tableRows(await ok(home, ["dags", "list-runs", "hello"]));
        assert.deepEqual(
          runs.map((row) => [row[0], row[1]]),
          [["manual_1", "success"]],
        );
        assert.equal(await ok(home, ["dags", "list-runs", "hello", "--state", "failed"]), "(nothing to show)\n");
        const badState = await kitelab(home, ["dags", "list-runs", "hello", "--state", "succeeded"]);
        assert.deepEqual(
          [badState.code, badState.stderr],
          [1, 'kitelab: error: --state must be one of queued, running, success, failed; got "succeeded"\n'],
        );
        const byDate = await ok(home, ["dags", "state", "hello", runs[0]![2]!]);
        assert.equal(byDate, "success\n", "dags state also takes the run's logical date");
        const json = JSON.parse(await ok(home, ["dags", "state", "hello", "manual_1", "-o", "json"])) as {
          conf: unknown;
          runType: string;
        };
        assert.deepEqual(json.conf, { size: 3 });
      });

      it("tasks state and tasks logs show a task instance of the run", async () => {
        assert.equal(await ok(home, ["tasks", "state", "hello", "say_hello", "manual_1"]), "success\n");
        assert.equal(
          await ok(home, ["tasks", "state", "hello", "use_token"]),
          "success\n",
          "the latest run by default",
        );
        const log = await ok(home, ["tasks", "logs", "hello", "say_hello", "manual_1"]);
        assert.match(log, /^\*\*\* .*dag_id=hello\/run_id=manual_1\/task_id=say_hello\/attempt=1\.log\n/);
        assert.match(log, /hello from hello in eu-west-1/);
        const tooFar = await kitelab(home, ["tasks", "logs", "hello", "say_hello", "manual_1", "--try", "2"]);
        assert.deepEqual(
          [tooFar.code, tooFar.stderr],
          [1, 'kitelab: error: --try must be an attempt from 1 to 1, got "2"\n'],
        );
        assert.equal(
          readFileSync(tokenFile, "utf8"),
          apiToken,
          "the scheduler's task got the secret variable's real value",
        );
        const noTask = await kitelab(home, ["tasks", "state", "hello", "nope", "manual_1"]);
        assert.equal(noTask.code, 1);
        assert.match(noTask.stderr, /DAG 'hello' has no task 'nope'; it has extract, say_hello, use_token/);
      });

      it("tasks states-for-dag-run lists every task of the run in dependency order; list-runs takes Airflow 2's -d", async () => {
        const states = tableRows(await ok(home, ["tasks", "states-for-dag-run", "hello", "manual_1"]));
        assert.deepEqual(
          states.map((row) => [row[0], row[1], row[2]]),
          [
            ["extract", "success", "1"],
            ["say_hello", "success", "1"],
            ["use_token", "success", "1"],
          ],
        );
        const byDate = JSON.parse(
          await ok(home, ["tasks", "states-for-dag-run", "hello", "manual_1", "-o", "json"]),
        ) as Array<{ run_id: string }>;
        assert.deepEqual([...new Set(byDate.map((row) => row.run_id))], ["manual_1"]);
        assert.equal(
          await ok(home, ["dags", "list-runs", "-d", "hello"]),
          await ok(home, ["dags", "list-runs", "hello"]),
        );
        const none = await kitelab(home, ["dags", "list-runs"]);
        assert.equal(none.code, 1);
        assert.match(none.stderr, /name the DAG: kitelab dags list-runs DAG_ID \(or -d DAG_ID\)/);
      });

      it("dags list-runs and dags state of an unknown DAG or run say what exists", async () => {
        const unknownDag = await kitelab(home, ["dags", "list-runs", "nope"]);
        assert.equal(unknownDag.code, 1);
        assert.match(unknownDag.stderr, /no DAG 'nope'; known DAGs: failing, hello/);
        const typo = await kitelab(home, ["dags", "list-runs", "helo"]);
        assert.match(typo.stderr, /no DAG 'helo'; did you mean 'hello'\? known DAGs: failing, hello/);
        const testTypo = await kitelab(home, ["dags", "test", "helo"]);
        assert.equal(testTypo.code, 1);
        assert.match(
          testTypo.stderr,
          /"helo" is neither a DAG file nor the id of a DAG in .*\. Did you mean "hello"\? Known DAG ids: /,
        );
        const unknownRun = await kitelab(home, ["dags", "state", "hello", "manual_99"]);
        assert.equal(unknownRun.code, 1);
        assert.match(unknownRun.stderr, /DAG 'hello' has no run 'manual_99'.*kitelab dags list-runs hello/);
      });

      it("dags pause goes through the scheduler and shows in dags list", async () => {
        assert.equal(await ok(home, ["dags", "pause", "hello"]), "Dag: hello, paused: True\n");
        const json = JSON.parse(await ok(home, ["dags", "list", "-o", "json"])) as Array<{
          dag_id: string;
          is_paused: boolean;
        }>;
        assert.equal(json.find((dag) => dag.dag_id === "hello")?.is_paused, true);
      });

      it("a run triggered while the DAG is paused waits, and its tasks have no log yet", async () => {
        const triggered = await ok(home, ["dags", "trigger", "hello", "--run-id", "manual_2"]);
        assert.match(
          triggered,
          /^Created run manual_2 of hello \(queued\)\nNote: hello is paused, so the run waits until you unpause it: kitelab dags unpause hello\n$/,
        );
        assert.equal(await ok(home, ["dags", "state", "hello", "manual_2"]), "queued\n");
        const logs = await kitelab(home, ["tasks", "logs", "hello", "extract", "manual_2"]);
        assert.equal(logs.code, 1);
        assert.match(logs.stderr, /task 'extract' of run manual_2 has not run yet/);
      });

      it("the store holds the secret variable only encrypted", () => {
        assertNowhereOnDisk(home.home, [apiToken], ["logs"]);
      });

      // As Airflow does, task logs mask the values of secret-named Variables and connection passwords.
      it("tasks logs shows a secret-named Variable's value as ***", async () => {
        const tokenLog = await ok(home, ["tasks", "logs", "hello", "use_token", "manual_1"]);
        assert.match(tokenLog, /Running command: printf %s '\*\*\*'/);
        assert.ok(!tokenLog.includes(apiToken), `the log shows the secret: ${tokenLog}`);
      });
    });

    describe("after the scheduler stopped", () => {
      before(async () => {
        const child = scheduler!;
        const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
        child.kill("SIGTERM");
        assert.equal(await exited, 0, schedulerOutput);
        scheduler = undefined;
      });

      it("dags trigger fails, saying no scheduler runs and which command starts one", async () => {
        const result = await kitelab(home, ["dags", "trigger", "hello"]);
        assert.equal(result.code, 1);
        assert.equal(result.stdout, "");
        assert.match(
          result.stderr,
          /^kitelab: error: no scheduler is running for KITELAB_HOME=.*; start one with `kitelab scheduler` or `kitelab standalone`/,
        );
      });

      it("reads still work from the store: list-runs, state", async () => {
        assert.deepEqual(
          tableRows(await ok(home, ["dags", "list-runs", "hello"]))
            .map((row) => row[0])
            .sort(),
          ["manual_1", "manual_2"],
        );
        assert.equal(await ok(home, ["dags", "state", "hello", "manual_1"]), "success\n");
      });

      it("dags unpause and pause write the store directly, and the change is kept", async () => {
        assert.equal(await ok(home, ["dags", "unpause", "hello"]), "Dag: hello, paused: False\n");
        let json = JSON.parse(await ok(home, ["dags", "list", "-o", "json"])) as Array<{
          dag_id: string;
          is_paused: boolean;
        }>;
        assert.equal(json.find((dag) => dag.dag_id === "hello")?.is_paused, false);
        assert.equal(await ok(home, ["dags", "pause", "hello"]), "Dag: hello, paused: True\n");
        json = JSON.parse(await ok(home, ["dags", "list", "-o", "json"])) as Array<{
          dag_id: string;
          is_paused: boolean;
        }>;
        assert.equal(json.find((dag) => dag.dag_id === "hello")?.is_paused, true);
        const unknown = await kitelab(home, ["dags", "pause", "nope"]);
        assert.equal(unknown.code, 1);
        assert.match(unknown.stderr, /no DAG 'nope'/);
      });
    });
  });
});
