import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  configRows,
  defaultConfigText,
  ensureConfigFile,
  getConfigValue,
  loadConfig,
  loadConfigOrThrow,
  parseIni,
  renderIni,
  resolveHome,
  type KitelabConfig,
} from "../src/config/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, "fixtures", "config");
const AIRFLOW_2 = join(fixtures, "airflow-2.10.5.cfg");
const COURSE = join(fixtures, "course-lab1.cfg");

const scratch = mkdtempSync(join(tmpdir(), "kitelab-config-load-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
let counter = 0;
function writeTemp(text: string): string {
  const path = join(scratch, `airflow-${counter++}.cfg`);
  writeFileSync(path, text);
  return path;
}

function load(options: { text?: string; path?: string; env?: Record<string, string> }): KitelabConfig {
  const path = options.path ?? (options.text !== undefined ? writeTemp(options.text) : undefined);
  const loaded = loadConfig({ home: "/h", env: options.env ?? {}, ...(path ? { path } : {}) });
  if (!loaded.ok) assert.fail(loaded.error.message);
  return loaded.value;
}

describe("defaults", () => {
  test("with no file every key has its documented default, typed", () => {
    const loaded = loadConfig({ home: join(scratch, "no-such-home"), env: {} });
    assert.ok(loaded.ok);
    const config = loaded.value;
    const home = join(scratch, "no-such-home");
    assert.equal(config.fileExists, false);
    assert.equal(config.path, join(home, "airflow.cfg"));
    assert.deepEqual(config.core, {
      dagsFolder: join(home, "dags"),
      loadExamples: true,
      defaultTimezone: "utc",
      parallelism: 4,
      maxActiveTasksPerDag: 16,
      maxActiveRunsPerDag: 16,
      dagsArePausedAtCreation: true,
      defaultTaskRetries: 0,
      dagbagImportTimeout: 30,
      dagParsingMemoryLimitMb: 1024,
      executor: "LocalExecutor",
      workerMemoryLimitMb: 2048,
      fernetKey: "",
      xcomMaxSizeBytes: 48 * 1024,
    });
    assert.deepEqual(config.scheduler, {
      dagDirListInterval: 300,
      minFileProcessInterval: 30,
      parsingProcesses: 0,
      catchupByDefault: true,
      schedulerHeartbeatSec: 5,
      createCronDataIntervals: true,
      schedulerHealthCheckThreshold: 30,
    });
    assert.equal(config.logging.baseLogFolder, join(home, "logs"));
    assert.equal(config.database.storePath, join(home, "kitelab-store"));
    assert.deepEqual(config.webserver, {
      webServerHost: "127.0.0.1",
      webServerPort: 5555,
      baseUrl: "",
      authToken: "",
      statusDagId: "",
      allowedHosts: "",
      exposeReads: true,
    });
    assert.equal(config.smtp.smtpHost, "");
    assert.equal(config.smtp.smtpMailFrom, "kitelab@example.com");
    assert.equal(config.smtp.smtpRetryLimit, 5);
    assert.equal(config.email.defaultEmailOnFailure, true);
    assert.deepEqual(config.sources["core.parallelism"], { kind: "default" });
    assert.deepEqual(config.unused, []);
  });

  test("the configuration is frozen, sections included", () => {
    const config = load({});
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.core));
    assert.ok(Object.isFrozen(config.sources));
    assert.throws(() => {
      (config.core as { parallelism: number }).parallelism = 99;
    }, TypeError);
  });

  test("airflow.cfg.example at the repository root is exactly the text of a fresh config file", () => {
    const example = readFileSync(join(here, "..", "..", "airflow.cfg.example"), "utf8");
    assert.equal(example, defaultConfigText());
  });

  test("every key in the default text has a comment above it and reads back as the default", () => {
    const text = defaultConfigText();
    const lines = text.split("\n");
    const document = parseIni(text);
    assert.deepEqual(document.problems, []);
    for (const section of document.sections.values()) {
      for (const entry of section.entries.values()) {
        assert.match(lines[entry.line - 2]!, /^# Accepted: |^# .+/, `[${section.name}] ${entry.key} has no comment`);
      }
    }
    const fromText = load({ text });
    const fromDefaults = load({});
    assert.deepEqual(
      { ...fromText.core, ...fromText.scheduler, ...fromText.webserver, ...fromText.smtp, ...fromText.email },
      {
        ...fromDefaults.core,
        ...fromDefaults.scheduler,
        ...fromDefaults.webserver,
        ...fromDefaults.smtp,
        ...fromDefaults.email,
      },
    );
    assert.equal(fromText.sources["core.parallelism"]?.kind, "file");
  });
});

describe("the Kitelab home and its config file", () => {
  test("KITELAB_HOME names the home, ~ expanded; without it the home is ~/kitelab; AIRFLOW_HOME is not used", () => {
    assert.equal(resolveHome({ KITELAB_HOME: "/srv/lab" }), "/srv/lab");
    assert.equal(resolveHome({ KITELAB_HOME: "~/labs", HOME: "/users/ada" }), "/users/ada/labs");
    assert.equal(resolveHome({ HOME: "/users/ada" }), "/users/ada/kitelab");
    assert.equal(resolveHome({ AIRFLOW_HOME: "/users/ada/airflow", HOME: "/users/ada" }), "/users/ada/kitelab");
    assert.equal(resolveHome({}), join(homedir(), "kitelab"));
  });

  test("loadConfig reads $KITELAB_HOME/airflow.cfg when no path is given", () => {
    const home = mkdtempSync(join(scratch, "home-"));
    writeFileSync(join(home, "airflow.cfg"), "[core]\nparallelism = 2\n");
    const config = loadConfigOrThrow({ env: { KITELAB_HOME: home } });
    assert.equal(config.home, home);
    assert.equal(config.path, join(home, "airflow.cfg"));
    assert.equal(config.core.parallelism, 2);
    assert.deepEqual(config.sources["core.parallelism"], {
      kind: "file",
      file: join(home, "airflow.cfg"),
      line: 2,
      section: "core",
      key: "parallelism",
    });
  });

  test("ensureConfigFile writes the defaults once, creating the home, and never overwrites", () => {
    const home = join(scratch, "fresh-home", "nested");
    const first = ensureConfigFile(home);
    assert.deepEqual(first, { path: join(home, "airflow.cfg"), created: true });
    assert.equal(readFileSync(first.path, "utf8"), defaultConfigText());
    writeFileSync(first.path, "[core]\nparallelism = 3\n");
    assert.deepEqual(ensureConfigFile(home), { path: first.path, created: false });
    assert.equal(readFileSync(first.path, "utf8"), "[core]\nparallelism = 3\n");
    assert.equal(loadConfigOrThrow({ home, env: {} }).core.dagsFolder, join(home, "dags"));
  });

  test("an explicit path that does not exist is an error; the home's missing file is not", () => {
    const missing = join(scratch, "nope.cfg");
    const loaded = loadConfig({ path: missing, home: "/h", env: {} });
    assert.equal(loaded.ok, false);
    if (!loaded.ok)
      assert.match(loaded.error.message, /nope\.cfg: no such file; check the --config path \(or \$KITELAB_CONFIG\)/);
    assert.equal(existsSync(missing), false);
  });

  test("KITELAB_CONFIG names the file when no path is given; a path given wins over it", () => {
    const file = writeTemp("[core]\nparallelism = 5\n");
    assert.equal(loadConfigOrThrow({ home: "/h", env: { KITELAB_CONFIG: file } }).core.parallelism, 5);
    assert.equal(
      loadConfigOrThrow({ home: "/h", env: { KITELAB_CONFIG: file }, path: writeTemp("") }).core.parallelism,
      4,
    );
    assert.equal(loadConfig({ home: "/h", env: { KITELAB_CONFIG: join(scratch, "gone.cfg") } }).ok, false);
  });

  test("loadConfigOrThrow throws the ConfigError", () => {
    assert.throws(() => loadConfigOrThrow({ path: writeTemp("[core]\nparallelism = 0\n"), env: {} }), {
      name: "ConfigError",
    });
  });
});

describe("dag_dir_list_interval under its three names", () => {
  test("each spelling alone is read, and the source says which one", () => {
    const spellings = [
      ["scheduler", "dag_dir_list_interval"],
      ["core", "dag_dir_list_interval"],
      ["dag_processor", "refresh_interval"],
    ] as const;
    for (const [section, key] of spellings) {
      const config = load({ text: `[${section}]\n${key} = 42\n` });
      assert.equal(config.scheduler.dagDirListInterval, 42, `[${section}] ${key}`);
      assert.deepEqual(config.sources["scheduler.dag_dir_list_interval"], {
        kind: "file",
        file: config.path,
        line: 2,
        section,
        key,
      });
      assert.deepEqual(config.unused, [], `[${section}] ${key} is a key Kitelab reads`);
      assert.equal(getConfigValue(config, section, key), "42");
    }
  });

  test("in the file, [core] wins over [dag_processor], which wins over [scheduler]; the loser is noted", () => {
    const all = load({
      text: "[scheduler]\ndag_dir_list_interval = 300\n[dag_processor]\nrefresh_interval = 60\n[core]\ndag_dir_list_interval = 30\n",
    });
    assert.equal(all.scheduler.dagDirListInterval, 30);
    assert.deepEqual(all.notes, [
      "[dag_processor] refresh_interval on line 4 is not used: [core] dag_dir_list_interval on line 6 takes precedence",
      "[scheduler] dag_dir_list_interval on line 2 is not used: [core] dag_dir_list_interval on line 6 takes precedence",
    ]);
    const two = load({ text: "[scheduler]\ndag_dir_list_interval = 300\n[dag_processor]\nrefresh_interval = 60\n" });
    assert.equal(two.scheduler.dagDirListInterval, 60);
  });

  test("an environment variable under any of the names beats the file", () => {
    const config = load({
      text: "[core]\ndag_dir_list_interval = 30\n",
      env: { AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL: "10" },
    });
    assert.equal(config.scheduler.dagDirListInterval, 10);
    assert.deepEqual(config.sources["scheduler.dag_dir_list_interval"], {
      kind: "env",
      envVar: "AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL",
    });
  });

  test("an invalid value is reported under the name it was written with", () => {
    const loaded = loadConfig({ home: "/h", env: {}, path: writeTemp("[dag_processor]\nrefresh_interval = soon\n") });
    assert.equal(loaded.ok, false);
    if (!loaded.ok)
      assert.match(
        loaded.error.message,
        /line 2: \[dag_processor\] refresh_interval = soon is not a whole number of seconds/,
      );
  });
});

describe("environment overrides", () => {
  test("KITELAB__SECTION__KEY wins over the file", () => {
    const config = load({ text: "[core]\nload_examples = True\n", env: { KITELAB__CORE__LOAD_EXAMPLES: "False" } });
    assert.equal(config.core.loadExamples, false);
    assert.deepEqual(config.sources["core.load_examples"], { kind: "env", envVar: "KITELAB__CORE__LOAD_EXAMPLES" });
    assert.match(config.notes[0]!, /KITELAB__CORE__LOAD_EXAMPLES \(for \[core\] load_examples\) takes precedence/);
  });

  test("AIRFLOW__SECTION__KEY is the fallback: used without a KITELAB__ variable, beaten by one", () => {
    assert.equal(load({ env: { AIRFLOW__CORE__PARALLELISM: "2" } }).core.parallelism, 2);
    const both = load({ env: { AIRFLOW__CORE__PARALLELISM: "2", KITELAB__CORE__PARALLELISM: "3" } });
    assert.equal(both.core.parallelism, 3);
    assert.deepEqual(both.sources["core.parallelism"], { kind: "env", envVar: "KITELAB__CORE__PARALLELISM" });
  });

  test("environment values expand {KITELAB_HOME} but take % literally", () => {
    const config = load({ env: { KITELAB__CORE__DAGS_FOLDER: "{KITELAB_HOME}/100%dags" } });
    assert.equal(config.core.dagsFolder, "/h/100%dags");
  });

  test("the process environment is not read when an env is given", () => {
    process.env.KITELAB__CORE__PARALLELISM = "7";
    try {
      assert.equal(load({}).core.parallelism, 4);
    } finally {
      delete process.env.KITELAB__CORE__PARALLELISM;
    }
  });

  test("KITELAB__/AIRFLOW__ variables for keys Kitelab does not read are listed as unused", () => {
    const config = load({
      env: { AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: "sqlite:///x.db", KITELAB__CORE__NOPE: "1", PATH: "/bin" },
    });
    assert.deepEqual(
      config.unused.map((unused) => [unused.section, unused.key, unused.envVar]),
      [
        ["database", "sql_alchemy_conn", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"],
        ["core", "nope", "KITELAB__CORE__NOPE"],
      ],
    );
  });
});

describe("real-world files", () => {
  test("the airflow.cfg that Airflow 2.10.5 writes loads, with Airflow's values for the keys Kitelab reads", () => {
    const config = load({ path: AIRFLOW_2 });
    assert.equal(config.core.dagsFolder, "/tmp/afhome/dags");
    assert.equal(config.core.executor, "SequentialExecutor");
    assert.equal(config.core.parallelism, 32);
    assert.equal(config.core.fernetKey, "");
    assert.equal(config.scheduler.dagDirListInterval, 300);
    assert.equal(config.scheduler.createCronDataIntervals, true);
    assert.equal(config.webserver.webServerPort, 8080);
    assert.equal(config.smtp.smtpHost, "localhost");
    assert.equal(config.smtp.smtpMailFrom, "airflow@example.com");
    assert.deepEqual(
      config.sources["core.xcom_max_size_bytes"],
      { kind: "default" },
      "a Kitelab-only key keeps its default",
    );
    assert.deepEqual(config.notes, []);
  });

  test("its hundreds of other keys are listed as unused, with their lines", () => {
    const config = load({ path: AIRFLOW_2 });
    const activeLines = readFileSync(AIRFLOW_2, "utf8")
      .split("\n")
      .filter((line) => /^[a-z0-9_.]+ =/.test(line)).length;
    assert.ok(config.unused.length > 200, `${config.unused.length} unused keys`);
    assert.equal(
      config.unused.length,
      activeLines - usedFromFile(config),
      "every active line is either read or listed",
    );
    const conn = config.unused.find((unused) => unused.key === "sql_alchemy_conn");
    assert.deepEqual(
      { section: conn?.section, line: conn?.line, value: conn?.value },
      { section: "database", line: 497, value: "sqlite:////tmp/afhome/airflow.db" },
    );
    assert.match(conn?.note ?? "", /store_path/);
    const logFormat = config.unused.find((unused) => unused.key === "log_format");
    assert.equal(
      getConfigValue(config, "logging", "log_format"),
      "[%(asctime)s] {%(filename)s:%(lineno)d} %(levelname)s - %(message)s",
    );
    assert.equal(logFormat?.value.includes("%%"), true, "kept as written");
  });

  test("the course's Lab 1 edit: dags folder, no examples, a 30 s scan interval in [core]", () => {
    const config = load({ path: COURSE });
    assert.equal(config.core.dagsFolder, "/h/labs/lab1/dags");
    assert.equal(config.core.loadExamples, false);
    assert.equal(config.scheduler.dagDirListInterval, 30);
    assert.equal(config.webserver.webServerPort, 8080);
    assert.deepEqual(config.unused, []);
  });

  test("the effective config printed as INI reads back to the same values", () => {
    const config = load({ path: COURSE, env: { KITELAB__EMAIL__FROM_EMAIL: "50% <a@b.c>" } });
    const again = load({ text: renderIni(configRows(config), { maskSecrets: false }) });
    assert.deepEqual(
      { ...again.core, ...again.scheduler, ...again.email, ...again.webserver },
      { ...config.core, ...config.scheduler, ...config.email, ...config.webserver },
    );
  });
});

function usedFromFile(config: KitelabConfig): number {
  return Object.values(config.sources).filter((source) => source.kind === "file").length;
}
