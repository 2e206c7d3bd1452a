import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { renderAscii, type GraphInput } from "../src/graph/index.js";

const diamond: GraphInput = {
  dagId: "diamond",
  tasks: [
    { taskId: "start", upstreamIds: [], state: "success" },
    { taskId: "left", upstreamIds: ["start"], state: "success" },
    { taskId: "right", upstreamIds: ["start"], state: "failed" },
    { taskId: "end", upstreamIds: ["left", "right"], state: "upstream_failed" },
  ],
};

function twentyTasks(): GraphInput {
  return {
    dagId: "twenty",
    tasks: Array.from({ length: 20 }, (_, index) => ({
      taskId: `step_${String(index).padStart(2, "0")}_${"x".repeat(index)}`,
      upstreamIds:
        index === 0
          ? []
          : [`step_${String(Math.floor(index / 3)).padStart(2, "0")}_${"x".repeat(Math.floor(index / 3))}`],
      operator: index % 2 === 0 ? "PythonOperator" : "BashOperator",
      state: "running" as const,
    })),
  };
}

const longestLine = (text: string): number => Math.max(...text.split("\n").map((line) => [...line].length));

describe("renderAscii", () => {
  it("lists the tasks layer by layer with arrows to their downstream tasks", () => {
    const lines = renderAscii({ ...diamond, tasks: diamond.tasks.map(({ state: _state, ...task }) => task) }).split(
      "\n",
    );
    assert.deepEqual(lines, [
      "DAG diamond · 4 tasks in 3 layers",
      "",
      "── layer 1 ──────────",
      "  start  ─┬─▶ left",
      "          └─▶ right",
      "── layer 2 ──────────",
      "  left   ───▶ end",
      "  right  ───▶ end",
      "── layer 3 ──────────",
      "  end",
    ]);
  });

  it("shows state symbols and a legend when the tasks have states", () => {
    const text = renderAscii(diamond);
    assert.match(text, /^✓ success {3}✗ failed {3}⊘ upstream failed$/m);
    assert.match(text, /^ {2}✓ start {2}─┬─▶ left$/m);
    assert.match(text, /^ {2}✗ right {2}───▶ end$/m);
    assert.match(text, /^ {2}⊘ end$/m);
  });

  it("shows operators, attempts and trigger rules in a column", () => {
    const text = renderAscii({
      dagId: "details",
      tasks: [
        { taskId: "a", upstreamIds: [], operator: "BashOperator", tryNumber: 2 },
        { taskId: "b", upstreamIds: ["a"], operator: "EmailOperator", triggerRule: "all_done" },
      ],
    });
    assert.match(text, /^ {2}a {2}BashOperator, try 2 {7}───▶ b$/m);
    assert.match(text, /^ {2}b {2}EmailOperator \[all_done\]$/m);
  });

  it("contains every task id and stays within 100 columns for 20 tasks", () => {
    const input = twentyTasks();
    const text = renderAscii(input);
    for (const task of input.tasks) assert.ok(text.includes(task.taskId), task.taskId);
    assert.ok(longestLine(text) <= 100, `longest line: ${longestLine(text)}`);
  });

  it("keeps to any width it is given, whatever the ids", () => {
    const arbitraryInput = fc
      .array(fc.tuple(fc.string({ minLength: 1, maxLength: 120 }), fc.array(fc.nat(), { maxLength: 3 })), {
        minLength: 1,
        maxLength: 15,
      })
      .map(
        ([...rows]): GraphInput => ({
          dagId: "any",
          tasks: rows.map(([name, picks], index) => ({
            taskId: `${index}:${name}`,
            upstreamIds:
              index === 0 ? [] : [...new Set(picks.map((pick) => `${pick % index}:${rows[pick % index]![0]}`))],
          })),
        }),
      );
    fc.assert(
      fc.property(arbitraryInput, fc.integer({ min: 40, max: 120 }), (input, width) => {
        assert.ok(longestLine(renderAscii(input, { width })) <= width);
      }),
      { numRuns: 100 },
    );
  });

  it("puts the arrows under a task when they do not fit beside it", () => {
    const long = "a_task_with_a_really_long_identifier_that_fills_most_of_the_line_by_itself_";
    const text = renderAscii(
      {
        dagId: "wide",
        tasks: [
          { taskId: long, upstreamIds: [] },
          { taskId: `${long}2`, upstreamIds: [long] },
        ],
      },
      { width: 90 },
    );
    assert.ok(text.split("\n").includes(`    └─▶ ${long}2`), text);
    assert.ok(longestLine(text) <= 90);
  });

  it("keeps to plain ASCII on request", () => {
    const text = renderAscii(diamond, { unicode: false });
    assert.ok(
      [...text].every((char) => char.charCodeAt(0) < 128),
      text,
    );
    assert.match(text, /^ {2}\+ start {2}-\+-> left$/m);
  });

  it("never writes control characters from user code to the terminal", () => {
    const text = renderAscii({ dagId: "evil\u001b[2J", tasks: [{ taskId: "t\u0007", upstreamIds: [] }] });
    assert.ok(!/[\u0000-\u0009\u000b-\u001f]/.test(text));
    assert.match(text, /evil\\x1b\[2J/);
  });

  it("says so when a DAG has no tasks", () => {
    assert.equal(renderAscii({ dagId: "empty", tasks: [] }), "DAG empty · 0 tasks in 0 layers");
  });

  it("refuses a width too narrow to draw in", () => {
    assert.throws(
      () => renderAscii(diamond, { width: 10 }),
      /Expected `width` to be an integer of at least 40 columns, got 10 \(number\)/,
    );
  });
});

describe("dag.show() outside a notebook", () => {
  it("prints the ASCII drawing when DAG comes from the package, which installs the notebook display", async () => {
    const { DAG } = await import("../src/index.js");
    const dag = new DAG({ dagId: "shown", schedule: null });
    dag.task("extract", async () => 1).then(dag.task("load", async () => 2));
    const printed: unknown[] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => printed.push(...args);
    try {
      dag.show();
    } finally {
      console.log = original;
    }
    assert.equal(printed.length, 1);
    assert.match(String(printed[0]), /extract[\s\S]*load/);
  });
});
