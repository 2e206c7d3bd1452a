import { test, describe, after } from "node:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import fc from "fast-check";
import { loadConfig, parseIni, setConfigValueInText, type KitelabConfig } from "../src/config/index.js";
import { escapePercent, interpolate } from "../src/config/interpolate.js";

function entries(text: string): Record<string, Record<string, string>> {
  const document = parseIni(text);
  assert.deepEqual(document.problems, []);
  return Object.fromEntries(
    [...document.sections.values()].map((section) => [
      section.name,
      Object.fromEntries([...section.entries.values()].map((entry) => [entry.key, entry.value])),
    ]),
  );
}

function loadText(text: string, env: Record<string, string> = {}): KitelabConfig {
  const loaded = loadConfig({ home: "/h", path: writeTemp(text), env });
  if (!loaded.ok) assert.fail(loaded.error.message);
  return loaded.value;
}

const scratch = mkdtempSync(join(tmpdir(), "kitelab-config-parser-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
let counter = 0;
function writeTemp(text: string): string {
  const path = join(scratch, `airflow-${counter++}.cfg`);
  writeFileSync(path, text);
  return path;
}

describe("the INI reader follows configparser", () => {
  test("reads `key = value` and `key: value`, splitting at the first delimiter", () => {
    assert.deepEqual(entries("[s]\na = 1\nb: 2\nc = x: y = z\nd: http://host:80\n"), {
      s: { a: "1", b: "2", c: "x: y = z", d: "http://host:80" },
    });
  });

  test("skips # and ; comment lines and blank lines; a # after a value belongs to the value", () => {
    assert.deepEqual(entries("# top\n; also\n[s]\n  # indented comment\na = 1 # not a comment\n\nb = 2\n"), {
      s: { a: "1 # not a comment", b: "2" },
    });
  });

  test("joins indented continuation lines with newlines, skipping comments and dropping trailing blanks", () => {
    assert.deepEqual(entries("[s]\nlist = first\n    second\n# a comment\n\n    third\n\nnext = 1\n"), {
      s: { list: "first\nsecond\n\nthird", next: "1" },
    });
  });

  test("a continuation must be indented further than its key", () => {
    assert.deepEqual(entries("[s]\n  a = 1\n  b = 2\n    more\n"), { s: { a: "1", b: "2\nmore" } });
  });

  test("keys and section names are case-insensitive; values keep their case", () => {
    assert.deepEqual(entries("[Core]\nDAGS_Folder = /Some/Path\n"), { core: { dags_folder: "/Some/Path" } });
  });

  test("an empty value is an empty string", () => {
    assert.deepEqual(entries("[s]\na =\nb:\n"), { s: { a: "", b: "" } });
  });

  test("keeps a leading byte-order mark and CRLF line endings from mattering", () => {
    assert.deepEqual(entries("\uFEFF[s]\r\na = 1\r\nb = 2\r\n"), { s: { a: "1", b: "2" } });
  });

  test("a duplicated key is an error naming both lines, as configparser's strict mode", () => {
    const { problems } = parseIni("[core]\nparallelism = 4\nload_examples = True\nparallelism = 8\n");
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.line, 4);
    assert.match(problems[0]!.message, /\[core\] parallelism is set again \(first on line 2\)/);
  });

  test("a duplicated section is an error naming both lines, even in another case", () => {
    const { problems } = parseIni("[core]\na = 1\n[scheduler]\nb = 2\n[CORE]\nc = 3\n");
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.line, 5);
    assert.match(problems[0]!.message, /section \[core\] appears again \(first on line 1\)/);
  });

  test("lines that are neither header, entry, comment nor continuation are reported, all of them", () => {
    const { problems } = parseIni("orphan = 1\n[core]\njust words\n= no key\n[broken\n");
    assert.deepEqual(
      problems.map((problem) => problem.line),
      [1, 3, 4, 5],
    );
    assert.match(problems[0]!.message, /comes before any \[section\] header/);
    assert.match(problems[1]!.message, /is not a "key = value" line/);
    assert.match(problems[2]!.message, /has no key/);
    assert.match(problems[3]!.message, /is not a valid section header/);
  });

  test("the continuation lines of a refused duplicate are dropped with it", () => {
    const document = parseIni("[s]\na = 1\na = 2\n    continued\nb = 3\n");
    assert.equal(document.problems.length, 1);
    assert.deepEqual([...document.sections.get("s")!.entries.keys()], ["a", "b"]);
  });
});

describe("round trip", () => {
  test("any one-line value written as `key = value` with % doubled reads back unchanged", () => {
    const key = fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/);
    const value = fc.string({
      unit: fc.constantFrom("a", "Z", "0", " ", "%", "(", ")", "=", ":", "#", ";", "[", "]", "{", "}", "~", "é"),
    });
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(key, value), { selector: ([k]) => k, maxLength: 8 }), (pairs) => {
        const text = `[s]\n${pairs.map(([k, v]) => `${k} = ${escapePercent(v)}`).join("\n")}\n`;
        const section = parseIni(text).sections.get("s");
        for (const [k, v] of pairs) {
          const read = interpolate(section?.entries.get(k)?.value ?? "<missing>", () => undefined);
          assert.deepEqual(read, { ok: true, text: v.trim() });
        }
      }),
    );
  });
});

describe("values read from the file", () => {
  test("%% is a literal percent sign and %(name)s refers to a key of the same section", () => {
    const config = loadText(
      "[email]\nfrom_email = 100%% <me@example.com>\n[core]\nbase = /data\ndags_folder = %(base)s/dags\n",
    );
    assert.equal(config.email.fromEmail, "100% <me@example.com>");
    assert.equal(config.core.dagsFolder, "/data/dags");
  });

  test("a lone % in a key Kitelab reads is an error; in an unused key it is not", () => {
    const loaded = loadConfig({
      home: "/h",
      path: writeTemp("[core]\nlog_format = 50% off\ndags_folder = /a%b\n"),
      env: {},
    });
    assert.equal(loaded.ok, false);
    if (loaded.ok) return;
    assert.equal(loaded.error.problems.length, 1);
    assert.match(
      loaded.error.message,
      /line 3: \[core\] dags_folder = \/a%b has a % that is not followed by % or \(name\)s; write %% for a literal percent sign/,
    );
  });

  test("{KITELAB_HOME} and {AIRFLOW_HOME} both stand for the Kitelab home", () => {
    const config = loadText(
      "[core]\ndags_folder = {AIRFLOW_HOME}/dags\n[logging]\nbase_log_folder = {KITELAB_HOME}/logs\n",
    );
    assert.equal(config.core.dagsFolder, "/h/dags");
    assert.equal(config.logging.baseLogFolder, "/h/logs");
  });

  test("a relative path is taken from the Kitelab home and ~ from the user's home", () => {
    const config = loadText("[core]\ndags_folder = labs/lab1/dags\n[logging]\nbase_log_folder = ~/kitelab-logs\n", {
      HOME: "/users/ada",
    });
    assert.equal(config.core.dagsFolder, "/h/labs/lab1/dags");
    assert.equal(config.logging.baseLogFolder, "/users/ada/kitelab-logs");
  });

  test("booleans accept Airflow's spellings in any case", () => {
    const spellings: [string, boolean][] = [
      ["True", true],
      ["true", true],
      ["TRUE", true],
      ["1", true],
      ["yes", true],
      ["On", true],
      ["t", true],
      ["False", false],
      ["false", false],
      ["0", false],
      ["no", false],
      ["OFF", false],
      ["f", false],
      ["False # as Airflow's getboolean, a trailing comment is dropped", false],
    ];
    for (const [text, expected] of spellings) {
      assert.equal(loadText(`[core]\nload_examples = ${text}\n`).core.loadExamples, expected, text);
    }
  });

  test("choices are matched case-insensitively and answered in their canonical spelling", () => {
    assert.equal(loadText("[core]\nexecutor = localexecutor\n").core.executor, "LocalExecutor");
  });
});

describe("setting one value in a file (the scheduler's Fernet key)", () => {
  const text = "# my notes\n[core]\n# the key\nfernet_key =\nparallelism = 4\n\n[smtp]\nsmtp_host = mail\n";

  test("replaces the key's line and keeps every other line", () => {
    assert.equal(
      setConfigValueInText(text, "core", "fernet_key", "abc"),
      text.replace("fernet_key =", "fernet_key = abc"),
    );
  });

  test("replaces a value's continuation lines with it", () => {
    const result = setConfigValueInText("[core]\nfernet_key = a,\n    b\nparallelism = 4\n", "core", "fernet_key", "c");
    assert.equal(result, "[core]\nfernet_key = c\nparallelism = 4\n");
  });

  test("adds a missing key under its section and a missing section at the end, escaping %", () => {
    const added = setConfigValueInText(text, "smtp", "smtp_user", "50%");
    assert.match(added, /\[smtp\]\nsmtp_user = 50%%\nsmtp_host = mail/);
    const appended = setConfigValueInText("[core]\na = 1", "webserver", "auth_token", "t");
    assert.equal(appended, "[core]\na = 1\n\n[webserver]\nauth_token = t\n");
  });

  test("what it writes reads back as the value", () => {
    const key = "dGhpcy1pcy1hLTMyLWJ5dGUta2V5LWZvci10ZXN0cyE=";
    assert.equal(loadText(setConfigValueInText(text, "core", "fernet_key", key)).core.fernetKey, key);
  });
});
