import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(here, "..", "bin", "kitelab.mjs");
const AIRFLOW_2 = join(here, "fixtures", "config", "airflow-2.10.5.cfg");
const BROKEN = join(here, "fixtures", "config", "broken.cfg");

const scratch = mkdtempSync(join(tmpdir(), "kitelab-config-cli-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** The caller's environment without any KITELAB__/AIRFLOW__ overrides that would change the answers. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(KITELAB|AIRFLOW)(__|_HOME$|_CONFIG$)/.test(name)),
  );
  return { ...env, ...extra };
}

function kitelab(args: string[], options: { home: string; env?: Record<string, string> }) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    env: cleanEnv({ KITELAB_HOME: options.home, ...options.env }),
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function homeWith(text?: string): string {
  const home = mkdtempSync(join(scratch, "home-"));
  if (text !== undefined) writeFileSync(join(home, "airflow.cfg"), text);
  return home;
}

describe("kitelab config get-value", () => {
  test("prints the effective value from $KITELAB_HOME, without writing a config file", () => {
    const home = homeWith();
    const result = kitelab(["config", "get-value", "core", "dags_folder"], { home });
    assert.deepEqual(result, { code: 0, stdout: `${join(home, "dags")}\n`, stderr: "" });
    assert.equal(existsSync(join(home, "airflow.cfg")), false);
  });

  test("an unknown key exits 1 with Airflow's message", () => {
    const result = kitelab(["config", "get-value", "core", "foo"], { home: homeWith() });
    assert.deepEqual(result, { code: 1, stdout: "", stderr: "The option [core/foo] is not found in config.\n" });
    const typo = kitelab(["config", "get-value", "core", "dag_folder"], { home: homeWith() });
    assert.deepEqual(typo, {
      code: 1,
      stdout: "",
      stderr: "The option [core/dag_folder] is not found in config. Did you mean [core/dags_folder]?\n",
    });
  });

  test("prints secrets as they are, and values of keys Kitelab does not read", () => {
    const home = homeWith("[smtp]\nsmtp_password = hunter2\n[database]\nsql_alchemy_conn = sqlite:///a.db\n");
    assert.equal(kitelab(["config", "get-value", "smtp", "smtp_password"], { home }).stdout, "hunter2\n");
    assert.equal(kitelab(["config", "get-value", "database", "sql_alchemy_conn"], { home }).stdout, "sqlite:///a.db\n");
  });

  test("--config reads another file, before or after the subcommand, and the environment still wins", () => {
    const home = homeWith();
    const before = kitelab(["--config", AIRFLOW_2, "config", "get-value", "webserver", "web_server_port"], { home });
    assert.equal(before.stdout, "8080\n");
    const afterIt = kitelab(["config", "get-value", "scheduler", "dag_dir_list_interval", "--config", AIRFLOW_2], {
      home,
      env: { AIRFLOW__CORE__DAG_DIR_LIST_INTERVAL: "15" },
    });
    assert.equal(afterIt.stdout, "15\n");
  });

  test("a bad configuration exits 1 and lists every problem", () => {
    const result = kitelab(["--config", BROKEN, "config", "get-value", "core", "dags_folder"], { home: homeWith() });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /The configuration has 5 problems:/);
    assert.match(
      result.stderr,
      /broken\.cfg line 3: \[core\] load_examples = maybe is not a boolean; use True or False/,
    );
    assert.match(result.stderr, /broken\.cfg line 12: \[webserver\] web_server_port = 70000 is not a valid port/);
  });
});

describe("kitelab config list", () => {
  test("prints the effective configuration as INI, each value's source above it, secrets masked", () => {
    const home = homeWith("[core]\nload_examples = False\n[smtp]\nsmtp_password = hunter2\n");
    const result = kitelab(["config", "list"], { home, env: { KITELAB__CORE__PARALLELISM: "2" } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`# Config file: ${join(home, "airflow.cfg")}\n`));
    assert.match(
      result.stdout,
      /\[core\]\n# source: default\ndags_folder = .*\/dags\n# source: line 2\nload_examples = False\n/,
    );
    assert.match(result.stdout, /# source: env KITELAB__CORE__PARALLELISM\nparallelism = 2\n/);
    assert.match(result.stdout, /smtp_password = \*\*\*\n/);
    assert.doesNotMatch(result.stdout, /hunter2/);
  });

  test("--section limits it to one section; an unknown section exits 1", () => {
    const home = homeWith();
    const smtp = kitelab(["config", "list", "--section", "smtp", "--output", "json"], { home });
    const rows = JSON.parse(smtp.stdout) as { section: string; key: string; value: string; source: string }[];
    assert.ok(rows.length > 0 && rows.every((row) => row.section === "smtp"));
    assert.deepEqual(
      rows.find((row) => row.key === "smtp_port"),
      { section: "smtp", key: "smtp_port", value: "25", source: "default" },
    );
    const unknown = kitelab(["config", "list", "--section", "nope"], { home });
    assert.deepEqual(unknown, { code: 1, stdout: "", stderr: "The section [nope] is not found in config.\n" });
  });

  test("--unused lists the keys of a real Airflow 2 airflow.cfg that Kitelab ignores, with their lines", () => {
    const result = kitelab(["--config", AIRFLOW_2, "config", "list", "--unused", "--output", "json"], {
      home: homeWith(),
    });
    assert.equal(result.code, 0, result.stderr);
    const rows = JSON.parse(result.stdout) as {
      section: string;
      key: string;
      value: string;
      source: string;
      note?: string;
    }[];
    assert.ok(rows.length > 200);
    const conn = rows.find((row) => row.key === "sql_alchemy_conn");
    assert.equal(conn?.value, "***", "credential-looking values are masked");
    assert.equal(conn?.source, `${AIRFLOW_2} line 497`);
    assert.ok(!rows.some((row) => row.key === "dags_folder"), "keys Kitelab reads are not listed");
  });

  test("--output table prints aligned columns; an unknown format is refused", () => {
    const home = homeWith();
    const table = kitelab(["config", "list", "--section", "logging", "--output", "table"], { home });
    assert.equal(table.stdout.split("\n")[0]!.replace(/\s+/g, " ").trim(), "section key value source");
    assert.match(table.stdout, /logging\s+base_log_folder\s+\S+\/logs\s+default/);
    const bad = kitelab(["config", "list", "--output", "yaml"], { home });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--output must be one of ini, table, json; got "yaml"/);
  });
});
