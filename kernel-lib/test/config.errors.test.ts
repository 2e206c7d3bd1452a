import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, loadConfig } from "../src/config/index.js";
import { KitelabError } from "../src/errors.js";

const here = dirname(fileURLToPath(import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "kitelab-config-errors-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Loads `text` as a file named airflow.cfg and answers the one error message it causes. */
function errorFor(text: string, env: Record<string, string> = {}): string {
  const path = join(scratch, "airflow.cfg");
  writeFileSync(path, text);
  const loaded = loadConfig({ path, home: "/h", env });
  assert.equal(loaded.ok, false, `expected ${JSON.stringify(text)} to be refused`);
  if (loaded.ok) return "";
  assert.equal(loaded.error.problems.length, 1, loaded.error.message);
  return loaded.error.message.replace(`${path} `, "airflow.cfg ");
}

describe("a bad value stops start-up with the file, line, key and what to write instead", () => {
  const cases: [string, string][] = [
    [
      "[core]\nload_examples = maybe",
      "airflow.cfg line 2: [core] load_examples = maybe is not a boolean; use True or False",
    ],
    [
      "[scheduler]\ndag_dir_list_interval = -5",
      "airflow.cfg line 2: [scheduler] dag_dir_list_interval = -5 is negative; use a whole number of seconds, 0 or more",
    ],
    [
      "[scheduler]\nmin_file_process_interval = 1.5",
      "airflow.cfg line 2: [scheduler] min_file_process_interval = 1.5 is not a whole number of seconds; use a whole number of seconds, 0 or more",
    ],
    [
      "[scheduler]\nscheduler_heartbeat_sec = 0",
      "airflow.cfg line 2: [scheduler] scheduler_heartbeat_sec = 0 is less than 1; use a whole number of seconds, 1 or more",
    ],
    [
      "[scheduler]\nscheduler_health_check_threshold = x",
      "airflow.cfg line 2: [scheduler] scheduler_health_check_threshold = x is not a whole number of seconds; use a whole number of seconds, 1 or more",
    ],
    [
      "[scheduler]\ncatchup_by_default = sometimes",
      "airflow.cfg line 2: [scheduler] catchup_by_default = sometimes is not a boolean; use True or False",
    ],
    [
      "[webserver]\nweb_server_port = 70000",
      "airflow.cfg line 2: [webserver] web_server_port = 70000 is not a valid port; use a port number from 0 to 65535 (0 picks a free port)",
    ],
    [
      "[smtp]\nsmtp_port = 0",
      "airflow.cfg line 2: [smtp] smtp_port = 0 is not a valid port; use a port number from 1 to 65535",
    ],
    [
      "[core]\nexecutor = CeleryExecutor",
      "airflow.cfg line 2: [core] executor = CeleryExecutor is not a known executor; use LocalExecutor, SequentialExecutor or BullMQExecutor (Kitelab's CeleryExecutor is BullMQExecutor: tasks go through Redis to `kitelab worker`s)",
    ],
    [
      "[core]\nparallelism = 0",
      "airflow.cfg line 2: [core] parallelism = 0 is less than 1; use a whole number, 1 or more",
    ],
    [
      "[core]\nmax_active_tasks_per_dag = many",
      "airflow.cfg line 2: [core] max_active_tasks_per_dag = many is not a whole number; use a whole number, 1 or more",
    ],
    [
      "[core]\nmax_active_runs_per_dag = -1",
      "airflow.cfg line 2: [core] max_active_runs_per_dag = -1 is less than 1; use a whole number, 1 or more",
    ],
    [
      "[core]\ndefault_task_retries = -1",
      "airflow.cfg line 2: [core] default_task_retries = -1 is negative; use a whole number, 0 or more",
    ],
    [
      "[core]\ndagbag_import_timeout = 0",
      "airflow.cfg line 2: [core] dagbag_import_timeout = 0 is not greater than 0; use a number of seconds greater than 0, such as 30.0",
    ],
    [
      "[core]\ndagbag_import_timeout = 30s",
      "airflow.cfg line 2: [core] dagbag_import_timeout = 30s is not a number; use a number of seconds greater than 0, such as 30.0",
    ],
    [
      "[core]\ndefault_timezone = Mars/Olympus",
      "airflow.cfg line 2: [core] default_timezone = Mars/Olympus is not a known time zone; use utc, system, or an IANA time zone such as Europe/Amsterdam",
    ],
    [
      "[core]\nfernet_key = not-a-key",
      "airflow.cfg line 2: [core] fernet_key = not-a-key is not a valid Fernet key; use nothing (the scheduler then generates a key) or 32 url-safe base64-encoded bytes",
    ],
    [
      "[core]\nxcom_max_size_bytes = 48KiB",
      "airflow.cfg line 2: [core] xcom_max_size_bytes = 48KiB is not a whole number of bytes; use a whole number of bytes, 0 or more",
    ],
    [
      "[core]\ndags_folder =",
      "airflow.cfg line 2: [core] dags_folder is empty; use a path such as {KITELAB_HOME}/dags",
    ],
    [
      "[webserver]\nweb_server_host =",
      "airflow.cfg line 2: [webserver] web_server_host is empty; use a host name or address such as 127.0.0.1",
    ],
    [
      "[webserver]\nbase_url = kitelab",
      "airflow.cfg line 2: [webserver] base_url = kitelab is not a path or URL; use nothing, a path such as /kitelab/ or a URL such as http://localhost:5555",
    ],
    [
      "[webserver]\nstatus_dag_id = my dag",
      "airflow.cfg line 2: [webserver] status_dag_id = my dag is not a DAG id; use letters, digits, _, - and . only, or nothing",
    ],
    [
      "[smtp]\nsmtp_mail_from = kitelab",
      "airflow.cfg line 2: [smtp] smtp_mail_from = kitelab is not an email address; use an address such as kitelab@example.com",
    ],
    [
      "[email]\nfrom_email = me",
      "airflow.cfg line 2: [email] from_email = me is not an email address; use nothing or an address such as Kitelab <kitelab@example.com>",
    ],
    [
      "[smtp]\nsmtp_timeout = 0",
      "airflow.cfg line 2: [smtp] smtp_timeout = 0 is less than 1; use a whole number of seconds, 1 or more",
    ],
    [
      "[smtp]\nsmtp_retry_limit = -2",
      "airflow.cfg line 2: [smtp] smtp_retry_limit = -2 is negative; use a whole number, 0 or more",
    ],
    [
      "[email]\ndefault_email_on_retry = nope",
      "airflow.cfg line 2: [email] default_email_on_retry = nope is not a boolean; use True or False",
    ],
    [
      "[smtp]\nsmtp_ssl = True",
      "airflow.cfg line 2: [smtp] smtp_ssl = True and smtp_starttls = True cannot both be on; set smtp_starttls = False to use TLS from the start (usually port 465), or smtp_ssl = False to upgrade with STARTTLS (usually port 587)",
    ],
    [
      "[core]\ndags_folder = /a\n    /b",
      'airflow.cfg line 2: [core] dags_folder = "/a\\n/b" spans several lines; write the path on one line',
    ],
    [
      "[core]\nparallelism = %(missing)s",
      "airflow.cfg line 2: [core] parallelism = %(missing)s refers to %(missing)s, which is not set in this section; write %% for a literal percent sign",
    ],
  ];
  for (const [text, message] of cases) {
    test(text.split("\n")[1]!, () => assert.equal(errorFor(`${text}\n`), message));
  }
});

describe("problems outside values", () => {
  test("problems in environment variables come after those in the file", () => {
    const path = join(scratch, "airflow.cfg");
    writeFileSync(path, "[core]\nparallelism = 0\n");
    const loaded = loadConfig({ path, home: "/h", env: { AIRFLOW__CORE__LOAD_EXAMPLES: "maybe" } });
    assert.equal(loaded.ok, false);
    if (!loaded.ok)
      assert.deepEqual(
        loaded.error.problems.map((problem) => problem.envVar ?? problem.line),
        [2, "AIRFLOW__CORE__LOAD_EXAMPLES"],
      );
  });

  test("a bad environment variable is named instead of a file line", () => {
    assert.equal(
      errorFor("[core]\n", { KITELAB__CORE__LOAD_EXAMPLES: "maybe" }),
      "environment variable KITELAB__CORE__LOAD_EXAMPLES: [core] load_examples = maybe is not a boolean; use True or False",
    );
  });

  test("a malformed line names the file and line", () => {
    assert.match(
      errorFor("[core]\nload_examples False\n"),
      /^airflow\.cfg line 2: "load_examples False" is not a "key = value" line/,
    );
  });

  test("all problems are collected, in line order, in one ConfigError that is a KitelabError", () => {
    const path = join(here, "fixtures", "config", "broken.cfg");
    const loaded = loadConfig({ path, home: "/h", env: {} });
    assert.equal(loaded.ok, false);
    if (loaded.ok) return;
    const error = loaded.error;
    assert.ok(error instanceof ConfigError);
    assert.ok(error instanceof KitelabError);
    assert.equal(error.name, "ConfigError");
    assert.deepEqual(
      error.problems.map((problem) => [problem.line, problem.section, problem.key, problem.value]),
      [
        [3, "core", "load_examples", "maybe"],
        [5, "core", "executor", "CeleryExecutor"],
        [8, "scheduler", "dag_dir_list_interval", "-5"],
        [9, "scheduler", undefined, undefined],
        [12, "webserver", "web_server_port", "70000"],
      ],
    );
    assert.ok(error.problems.every((problem) => problem.file === path));
    const lines = error.message.split("\n");
    assert.equal(lines[0], "The configuration has 5 problems:");
    assert.equal(lines[1], `  - ${path} line 3: [core] load_examples = maybe is not a boolean; use True or False`);
  });
});
