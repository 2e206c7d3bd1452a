import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempHome } from "./helpers/tempHome.js";

/**
 * `kitelab check labN`: a teacher's course folder holds `labs/<lab>/checks.ts`; the command
 * runs them against a student's folder (`--lab-dir`) and says what is met and what to look at.
 */
const BIN = fileURLToPath(new URL("../bin/kitelab.mjs", import.meta.url));

const CHECKS = `
import type { LabCheck } from "kitelab";
export const lab = "lab9";
export const checks: LabCheck[] = [
  {
    id: "dag_shape",
    title: "dags/pipeline.ts defines 'pipeline' with extract before load",
    hint: "Write extract.then(load) in dags/pipeline.ts",
    async run(ctx) {
      const found = await ctx.loadDag("dags/pipeline.ts", "pipeline");
      if (!found.ok) return found.outcome;
      if (!ctx.hasDependency(found.dag, "extract", "load"))
        return { passed: false, detail: "dependencies: " + JSON.stringify(ctx.dependencies(found.dag)) };
      return { passed: true };
    },
  },
  {
    id: "output_file",
    title: "out/result.csv exists",
    hint: "Run the DAG once so it writes out/result.csv",
    run: async (ctx) => (ctx.exists("out/result.csv") ? { passed: true } : { passed: false }),
  },
  {
    id: "no_runs_needed",
    title: "The store can be read",
    hint: "Start the scheduler once",
    run: async (ctx) => (ctx.store.runs("pipeline").length === 0 ? { passed: true } : { passed: false }),
  },
];
`;

const BROKEN_CHECK = CHECKS.replace(
  'run: async (ctx) => (ctx.exists("out/result.csv") ? { passed: true } : { passed: false }),',
  'run: async () => { throw new Error("the check itself broke"); },',
);

const PIPELINE = (edge: string) => `
import { DAG } from "kitelab";
export const dag = new DAG({ dagId: "pipeline", schedule: null });
const extract = dag.task("extract", async () => 1);
const load = dag.task("load", async () => 2);
${edge}
`;

interface JsonReport {
  lab: string;
  checks: { id: string; title: string; passed: boolean; hint: string; detail?: string }[];
  passed: number;
  total: number;
}

describe("kitelab check", () => {
  const home = tempHome("kitelab-check-home-");
  const course = mkdtempSync(join(tmpdir(), "kitelab-check-course-"));
  const courseLab = join(course, "labs", "lab9-fixture");
  mkdirSync(join(courseLab, "dags"), { recursive: true });
  writeFileSync(join(courseLab, "checks.ts"), CHECKS);
  writeFileSync(join(courseLab, "dags", "pipeline.ts"), PIPELINE("// TODO: make load wait for extract"));

  const student = mkdtempSync(join(tmpdir(), "kitelab-check-student-"));
  after(() => {
    home.cleanup();
    rmSync(course, { recursive: true, force: true });
    rmSync(student, { recursive: true, force: true });
  });

  const check = (args: string[], cwd = course) => {
    const result = spawnSync(process.execPath, [BIN, "check", ...args], {
      cwd,
      env: { ...process.env, KITELAB_HOME: home.home, KITELAB_LABS: join(course, "labs") },
      encoding: "utf8",
      timeout: 120_000,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  it("on the course's stub: every check not met says its hint and what it found, and exits 1", () => {
    const result = check(["lab9"]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /lab9: 1\/3 checks met/);
    assert.match(result.stdout, /NOT MET {2}dag_shape: dags\/pipeline\.ts defines 'pipeline'/);
    assert.match(result.stdout, /hint: Write extract\.then\(load\) in dags\/pipeline\.ts/);
    assert.match(result.stdout, /found: dependencies: \[\]/);
    assert.match(result.stdout, /NOT MET {2}output_file/);
    assert.match(result.stdout, /met {6}no_runs_needed/);
  });

  it("--json prints the lab, every check with id, title, passed and hint, and the counts", () => {
    const result = check(["lab9", "--json"]);
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout) as JsonReport;
    assert.equal(report.lab, "lab9");
    assert.equal(report.total, 3);
    assert.equal(report.passed, 1);
    assert.deepEqual(
      report.checks.map(({ id, passed }) => [id, passed]),
      [
        ["dag_shape", false],
        ["output_file", false],
        ["no_runs_needed", true],
      ],
    );
    for (const item of report.checks) {
      assert.equal(typeof item.title, "string");
      assert.ok(item.hint.length > 0);
    }
  });

  it("--lab-dir checks a student's folder with the course's checks; all met exits 0", () => {
    cpSync(courseLab, student, { recursive: true });
    rmSync(join(student, "checks.ts"));
    writeFileSync(join(student, "dags", "pipeline.ts"), PIPELINE("extract.then(load);"));
    mkdirSync(join(student, "out"));
    writeFileSync(join(student, "out", "result.csv"), "a\n1\n");
    const result = check(["lab9", "--json", "--lab-dir", student], tmpdir());
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const report = JSON.parse(result.stdout) as JsonReport;
    assert.equal(report.passed, 3);
    assert.ok(report.checks.every((item) => item.passed));
  });

  it("a DAG file that does not import is not met, with the import error as what was found", () => {
    writeFileSync(join(student, "dags", "pipeline.ts"), "export const x = ;\n");
    const result = check(["lab9", "--lab-dir", student]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /NOT MET {2}dag_shape/);
    assert.match(result.stdout, /found: .*pipeline\.ts.*(Expected|Unexpected)/);
  });

  it("a check that throws is not met with its error; the others still run", () => {
    writeFileSync(join(courseLab, "checks.ts"), BROKEN_CHECK);
    try {
      const report = JSON.parse(check(["lab9", "--json", "--lab-dir", student]).stdout) as JsonReport;
      const broken = report.checks.find((item) => item.id === "output_file");
      assert.equal(broken?.passed, false);
      assert.equal(broken?.detail, "the check itself broke");
      assert.equal(report.checks.find((item) => item.id === "no_runs_needed")?.passed, true);
    } finally {
      writeFileSync(join(courseLab, "checks.ts"), CHECKS);
    }
  });

  it("an unknown lab is an error naming the labs that have checks", () => {
    const result = check(["lab7"]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no checks for lab7 in .*labs; labs with checks: lab9/);
    assert.match(check(["first"]).stderr, /expected a lab id such as lab1, got "first"/);
  });

  it("--only runs the named checks, and names the lab's checks when an id is unknown", () => {
    const report = JSON.parse(check(["lab9", "--json", "--only", "output_file,no_runs_needed"]).stdout) as JsonReport;
    assert.deepEqual(
      report.checks.map((item) => item.id),
      ["output_file", "no_runs_needed"],
    );
    assert.equal(report.total, 2);
    const wrong = check(["lab9", "--only", "output"]);
    assert.equal(wrong.code, 1);
    assert.match(
      wrong.stderr,
      /--only "output" names no check output; this lab's checks: dag_shape, output_file, no_runs_needed/,
    );
  });

  it("a --lab-dir that does not exist says so", () => {
    const result = check(["lab9", "--lab-dir", join(student, "nope")]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /--lab-dir .*nope does not exist/);
  });
});
