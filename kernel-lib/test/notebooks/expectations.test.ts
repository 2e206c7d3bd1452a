import { test } from "node:test";
import assert from "node:assert/strict";
import { checkNotebookRun, type CellSummary, type NotebookRunSummary } from "./expectations.js";

function run(cells: Partial<CellSummary>[], overrides: Partial<NotebookRunSummary> = {}): NotebookRunSummary {
  return {
    notebook: "/repo/notebooks/x.ipynb",
    executed: "/tmp/x.ipynb",
    declaredKernel: "tslab",
    kernelDir: "/repo/.venv/share/jupyter/kernels/tslab",
    cwd: "/repo/notebooks",
    stopped: null,
    cells: cells.map((cell, index) => ({
      index,
      cellType: "code",
      source: "x",
      kitelab: {},
      status: "ok",
      text: "",
      ...cell,
    })),
    ...overrides,
  };
}

test("a run whose cells all succeed and show what they expect passes", () => {
  const summary = run([
    { kitelab: { expect: ["kitelab 0.", "0.1"] }, text: "kitelab 0.1.0\n" },
    {
      kitelab: { expectError: "not assignable" },
      status: "error",
      text: "1:7 - Type 'string' is not assignable to type 'number'.",
    },
    { cellType: "markdown", status: null },
  ]);
  assert.deepEqual(checkNotebookRun(summary), []);
});

test("a missing expected substring is reported with the cell's output", () => {
  const [problem, ...rest] = checkNotebookRun(
    run([{ source: "console.log(1)", kitelab: { expect: ["two"] }, text: "1\n" }]),
  );
  assert.equal(rest.length, 0);
  assert.match(problem ?? "", /cell 0 \(console\.log\(1\)\) output lacks "two"; it was:\n {4}1/);
});

test("a cell that errors without declaring it fails the run", () => {
  assert.match(
    checkNotebookRun(run([{ status: "error", text: "Error: boom" }])).join("\n"),
    /cell 0 .* status error:\n {4}Error: boom/,
  );
});

test("a cell that should fail but succeeds, or fails differently, is reported", () => {
  const problems = checkNotebookRun(
    run([
      { kitelab: { expectError: "cycle" }, status: "ok" },
      { kitelab: { expectError: "cycle" }, status: "error", text: "duplicate task id" },
    ]),
  );
  assert.equal(problems.length, 2);
  assert.match(problems[0] ?? "", /should fail with an error containing "cycle", but its status is ok/);
  assert.match(problems[1] ?? "", /failed, but its output lacks "cycle"/);
});

test("timeouts, cells that never ran and a wrong kernel are failures", () => {
  const problems = checkNotebookRun(
    run([{ status: "timeout" }, { status: "not-run" }], {
      declaredKernel: "python3",
      stopped: "cell 0 ran longer than 120 s",
    }),
  );
  assert.equal(problems.length, 4);
  assert.match(problems.join("\n"), /declares kernel "python3"/);
  assert.match(problems.join("\n"), /stopped early: cell 0 ran longer/);
});

test("malformed kitelab metadata is refused rather than ignored", () => {
  assert.match(
    checkNotebookRun(run([{ kitelab: { expect: "one" } }])).join(),
    /Expected cell 0 .* "kitelab.expect" to be an array of strings, got "one"/,
  );
  assert.match(checkNotebookRun(run([{ kitelab: { expects: ["one"] } }])).join(), /Unknown key\(s\) expects/);
  assert.match(
    checkNotebookRun(run([{ kitelab: { expectError: 3 } }])).join(),
    /"kitelab.expectError" to be a string, got 3/,
  );
});

test("a lab cell's stubs and solutions expectations apply to their own run only", () => {
  const cell = {
    kitelab: {
      expect: ["lab1:"],
      stubs: { expect: ["0/2 checks met"] },
      solutions: { expect: ["all 2 checks met"] },
    },
  };
  assert.deepEqual(checkNotebookRun(run([{ ...cell, text: "lab1: 0/2 checks met" }]), "stubs"), []);
  assert.deepEqual(checkNotebookRun(run([{ ...cell, text: "lab1: all 2 checks met" }]), "solutions"), []);
  const [problem] = checkNotebookRun(run([{ ...cell, text: "lab1: 0/2 checks met" }]), "solutions");
  assert.match(problem ?? "", /\[solutions\] output lacks "all 2 checks met"/);
  assert.match(
    checkNotebookRun(run([{ kitelab: { solutions: { expected: ["x"] } } }])).join(),
    /Unknown key\(s\) expected in .* "kitelab.solutions"/,
  );
});
