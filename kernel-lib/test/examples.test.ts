import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../bin/kitelab.mjs", import.meta.url));
const EXAMPLES = fileURLToPath(new URL("../examples/", import.meta.url));

function kitelab(args: string[]) {
  const home = mkdtempSync(join(tmpdir(), "kitelab-examples-"));
  const run = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, KITELAB_HOME: home },
    timeout: 60_000,
  });
  return { code: run.status, out: run.stdout, err: run.stderr, home };
}

describe("the example DAGs run with kitelab dags test", () => {
  it("example_bash_pipeline renders {{ ds }} and succeeds", () => {
    const run = kitelab(["dags", "test", join(EXAMPLES, "example_bash_pipeline.ts"), "2024-01-01"]);
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /Processing data for 2024-01-01/);
    assert.match(run.out, /Report for 2024-01-01 is ready \(20240101\)/);
  });

  it("example_branching follows the weekend branch on a Saturday", () => {
    const run = kitelab(["dags", "test", join(EXAMPLES, "example_branching.ts"), "2024-01-06"]);
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /weekday_report\s+skipped/);
    assert.match(run.out, /weekend_report\s+success/);
  });

  it("example_retries_cleanup retries flaky and succeeds; with fail_permanently the cleanup still runs and the exit code is 1", () => {
    const ok = kitelab(["dags", "test", join(EXAMPLES, "example_retries_cleanup.ts")]);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /flaky\s+up_for_retry/);
    const failing = kitelab([
      "dags",
      "test",
      join(EXAMPLES, "example_retries_cleanup.ts"),
      "--conf",
      '{"fail_permanently": true}',
    ]);
    assert.equal(failing.code, 1);
    assert.match(failing.out, /cleanup\s+success/);
    assert.match(failing.out, /publish\s+upstream_failed/);
  });

  it("example_file_io writes dated and latest predictions", () => {
    const run = kitelab(["dags", "test", join(EXAMPLES, "example_file_io.ts"), "2024-01-01T10:20:30Z"]);
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /predictions\/20240101-102030\.csv/);
    assert.match(run.out, /predictions\/latest\.csv/);
  });

  it("dags test finds an example by its DAG id, and names the known ids for an unknown one", () => {
    assert.equal(kitelab(["dags", "test", "example_branching", "2024-01-08"]).code, 0);
    const unknown = kitelab(["dags", "test", "no_such_dag"]);
    assert.equal(unknown.code, 1);
    assert.match(
      unknown.err,
      /kitelab: error: "no_such_dag" is neither a DAG file nor the id of a DAG.*example_branching/,
    );
  });

  it("dags show draws the graph in the terminal and as SVG", () => {
    const ascii = kitelab(["dags", "show", join(EXAMPLES, "example_branching.ts")]);
    assert.equal(ascii.code, 0, ascii.err);
    for (const task of ["weekday_or_weekend", "weekday_report", "weekend_report", "join"])
      assert.match(ascii.out, new RegExp(task));
    const svg = kitelab(["dags", "show", join(EXAMPLES, "example_branching.ts"), "--svg"]);
    assert.match(svg.out, /^<svg/);
  });

  it("tasks test runs one task alone", () => {
    const run = kitelab(["tasks", "test", join(EXAMPLES, "example_bash_pipeline.ts"), "print_date", "2024-01-01"]);
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /Processing data for 2024-01-01/);
  });
});
