import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { layoutGraph, type GraphInput, type Layout, type LayoutNode } from "../src/graph/index.js";
import { ValidationError } from "../src/errors.js";

function dag(edges: Record<string, string[]>, dagId = "test"): GraphInput {
  return { dagId, tasks: Object.entries(edges).map(([taskId, upstreamIds]) => ({ taskId, upstreamIds })) };
}

function node(layout: Layout, taskId: string): LayoutNode {
  const found = layout.nodes.find((candidate) => candidate.taskId === taskId);
  assert.ok(found, `no node for ${taskId}`);
  return found;
}

const centerY = (box: LayoutNode): number => box.y + box.height / 2;

function overlaps(a: LayoutNode, b: LayoutNode): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Crossings between edge segments in the same gap between two columns. */
function crossings(layout: Layout): number {
  const segments: Array<{ gap: number; top: number; bottom: number }> = [];
  for (const edge of layout.edges) {
    const first = node(layout, edge.from).layer;
    for (let index = 0; index + 1 < edge.points.length; index += 2) {
      segments.push({ gap: first + index / 2, top: edge.points[index]!.y, bottom: edge.points[index + 1]!.y });
    }
  }
  let count = 0;
  for (let i = 0; i < segments.length; i += 1) {
    for (let j = i + 1; j < segments.length; j += 1) {
      const a = segments[i]!;
      const b = segments[j]!;
      if (a.gap === b.gap && (a.top - b.top) * (a.bottom - b.bottom) < 0) count += 1;
    }
  }
  return count;
}

/** Checks what every layout must satisfy, whatever the DAG. */
function assertWellFormed(input: GraphInput, layout: Layout): void {
  assert.equal(layout.nodes.length, input.tasks.length);
  assert.deepEqual(
    layout.nodes.map((box) => box.taskId),
    input.tasks.map((task) => task.taskId),
  );
  assert.deepEqual(new Set(layout.layers.flat()), new Set(input.tasks.map((task) => task.taskId)));
  for (const task of input.tasks) {
    const box = node(layout, task.taskId);
    const parents = task.upstreamIds.map((id) => node(layout, id).layer);
    assert.equal(
      box.layer,
      parents.length === 0 ? 0 : Math.max(...parents) + 1,
      `layer of ${task.taskId} is its longest path`,
    );
    assert.ok(
      box.x >= 0 && box.y >= 0 && box.x + box.width <= layout.width && box.y + box.height <= layout.height,
      `${task.taskId} inside the drawing`,
    );
  }
  for (let i = 0; i < layout.nodes.length; i += 1) {
    for (let j = i + 1; j < layout.nodes.length; j += 1) {
      const a = layout.nodes[i]!;
      const b = layout.nodes[j]!;
      assert.ok(!overlaps(a, b), `${a.taskId} and ${b.taskId} overlap`);
    }
  }
  assert.equal(
    layout.edges.length,
    input.tasks.reduce((sum, task) => sum + new Set(task.upstreamIds).size, 0),
  );
  for (const edge of layout.edges) {
    const from = node(layout, edge.from);
    const to = node(layout, edge.to);
    assert.ok(from.layer < to.layer, `${edge.from} -> ${edge.to} goes left to right`);
    assert.equal(edge.points.length, 2 * (to.layer - from.layer));
    assert.deepEqual(edge.points[0], { x: from.x + from.width, y: centerY(from) });
    assert.deepEqual(edge.points.at(-1), { x: to.x, y: centerY(to) });
    for (let index = 1; index < edge.points.length; index += 1) {
      assert.ok(edge.points[index]!.x >= edge.points[index - 1]!.x, "edges never turn back");
    }
  }
}

/** Random DAGs: each task may depend on any earlier one. */
const arbitraryDag = fc.array(fc.array(fc.nat(), { maxLength: 4 }), { minLength: 1, maxLength: 30 }).map(
  (parents): GraphInput => ({
    dagId: "random",
    tasks: parents.map((picks, index) => ({
      taskId: `t${index}`,
      upstreamIds: index === 0 ? [] : [...new Set(picks.map((pick) => `t${pick % index}`))],
    })),
  }),
);

describe("layoutGraph", () => {
  it("draws a single task as one box in one layer", () => {
    const layout = layoutGraph(dag({ only: [] }));
    assert.deepEqual(layout.layers, [["only"]]);
    assert.equal(layout.edges.length, 0);
    assert.ok(layout.width > node(layout, "only").width);
    assertWellFormed(dag({ only: [] }), layout);
  });

  it("draws a chain as a straight row, one layer per task", () => {
    const input = dag({ a: [], b: ["a"], c: ["b"], d: ["c"] });
    const layout = layoutGraph(input);
    assertWellFormed(input, layout);
    assert.deepEqual(layout.layers, [["a"], ["b"], ["c"], ["d"]]);
    const ys = layout.nodes.map(centerY);
    assert.ok(
      ys.every((y) => y === ys[0]),
      `centres ${ys.join(", ")}`,
    );
    assert.ok(layout.nodes.every((box, index) => index === 0 || box.x > layout.nodes[index - 1]!.x));
  });

  it("centres a fan-out's source and a fan-in's target on their neighbours", () => {
    const input = dag({
      source: [],
      a: ["source"],
      b: ["source"],
      c: ["source"],
      d: ["source"],
      sink: ["a", "b", "c", "d"],
    });
    const layout = layoutGraph(input);
    assertWellFormed(input, layout);
    assert.deepEqual(layout.layers, [["source"], ["a", "b", "c", "d"], ["sink"]]);
    const middle = (centerY(node(layout, "a")) + centerY(node(layout, "d"))) / 2;
    assert.ok(Math.abs(centerY(node(layout, "source")) - middle) < 0.5);
    assert.ok(Math.abs(centerY(node(layout, "sink")) - middle) < 0.5);
    assert.equal(crossings(layout), 0);
  });

  it("draws a diamond in three layers without crossings", () => {
    const input = dag({ start: [], left: ["start"], right: ["start"], end: ["left", "right"] });
    const layout = layoutGraph(input);
    assertWellFormed(input, layout);
    assert.deepEqual(layout.layers, [["start"], ["left", "right"], ["end"]]);
    assert.equal(crossings(layout), 0);
  });

  it("routes an edge that skips layers through each skipped column, left to right", () => {
    const input = dag({ a: [], b: ["a"], c: ["b"], d: ["a", "c"] });
    const layout = layoutGraph(input);
    assertWellFormed(input, layout);
    const long = layout.edges.find((edge) => edge.from === "a" && edge.to === "d")!;
    assert.equal(long.points.length, 6);
    for (const box of layout.nodes) {
      for (let index = 1; index < long.points.length - 1; index += 2) {
        const [start, end] = [long.points[index]!, long.points[index + 1]!];
        const crossesBox =
          start.y > box.y && start.y < box.y + box.height && start.x < box.x + box.width && end.x > box.x;
        assert.ok(!crossesBox, `the long edge runs through ${box.taskId}`);
      }
    }
  });

  it("reorders a layer to remove crossings that the input order would cause", () => {
    // Depth-first order from the roots puts x2 above x1; only a reordering pass fixes it.
    const input = dag({ r1: [], r2: [], x2: ["r1", "r2"], y1: ["r1"], x1: ["r2"], z: ["x1", "x2"] });
    const layout = layoutGraph(input);
    assertWellFormed(input, layout);
    assert.equal(crossings(layout), 0);
  });

  it("gives each connected part its own band and stacks tasks without edges together", () => {
    const input = dag({ a: [], b: ["a"], lone1: [], c: [], d: ["c"], lone2: [] });
    const layout = layoutGraph(input);
    assertWellFormed(input, layout);
    const band = (id: string): number => node(layout, id).band;
    assert.equal(band("a"), band("b"));
    assert.equal(band("c"), band("d"));
    assert.equal(band("lone1"), band("lone2"));
    assert.equal(new Set([band("a"), band("c"), band("lone1")]).size, 3);
    const span = (ids: string[]): [number, number] => [
      Math.min(...ids.map((id) => node(layout, id).y)),
      Math.max(...ids.map((id) => node(layout, id).y + node(layout, id).height)),
    ];
    const [first, second] = [span(["a", "b"]), span(["c", "d"])];
    assert.ok(first[1] <= second[0] || second[1] <= first[0], "bands do not overlap");
  });

  it("sizes boxes from their labels", () => {
    const layout = layoutGraph({
      dagId: "sizes",
      tasks: [
        { taskId: "a", upstreamIds: [] },
        { taskId: "a_much_longer_task_identifier", upstreamIds: [] },
        { taskId: "b", upstreamIds: [], operator: "AVeryLongOperatorNameThatIsWiderThanTheId" },
      ],
    });
    assert.ok(node(layout, "a_much_longer_task_identifier").width > node(layout, "a").width);
    assert.ok(node(layout, "b").width > node(layout, "a_much_longer_task_identifier").width);
    assert.ok(node(layout, "b").height > node(layout, "a").height, "a box with an operator line is taller");
  });

  it("lays out 60 tasks cleanly", () => {
    const tasks = Array.from({ length: 60 }, (_, index) => ({
      taskId: `task_${index}`,
      upstreamIds:
        index === 0 ? [] : [`task_${Math.floor((index - 1) / 3)}`, ...(index % 7 === 0 ? [`task_${index - 5}`] : [])],
    }));
    const input = { dagId: "big", tasks };
    assertWellFormed(input, layoutGraph(input));
  });

  it("accepts an empty DAG", () => {
    const layout = layoutGraph({ dagId: "empty", tasks: [] });
    assert.deepEqual(layout.layers, []);
    assert.deepEqual(layout.nodes, []);
  });

  it("is well formed for any DAG", () => {
    fc.assert(
      fc.property(arbitraryDag, (input) => assertWellFormed(input, layoutGraph(input))),
      { numRuns: 150 },
    );
  });

  it("is deterministic", () => {
    fc.assert(
      fc.property(arbitraryDag, (input) => {
        assert.deepEqual(layoutGraph(input), layoutGraph(structuredClone(input)));
      }),
      { numRuns: 60 },
    );
  });

  it("draws trees without crossings", () => {
    const arbitraryTree = fc.array(fc.nat(), { minLength: 1, maxLength: 25 }).map(
      (parents): GraphInput => ({
        dagId: "tree",
        tasks: parents.map((pick, index) => ({
          taskId: `t${index}`,
          upstreamIds: index === 0 ? [] : [`t${pick % index}`],
        })),
      }),
    );
    fc.assert(
      fc.property(arbitraryTree, (input) => crossings(layoutGraph(input)) === 0),
      { numRuns: 100 },
    );
  });

  it("refuses malformed graphs with a message that names the problem", () => {
    assert.throws(
      () => layoutGraph(dag({ a: ["ghost"] })),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.match(error.message, /Task "a" names upstream task "ghost", which is not in the graph/);
        return true;
      },
    );
    assert.throws(
      () =>
        layoutGraph({
          dagId: "d",
          tasks: [
            { taskId: "a", upstreamIds: [] },
            { taskId: "a", upstreamIds: [] },
          ],
        }),
      /Task id "a" appears twice/,
    );
    assert.throws(() => layoutGraph(dag({ a: ["b"], b: ["a"], c: [] })), /The tasks a, b form or follow a cycle/);
    assert.throws(
      () => layoutGraph({ dagId: "d", tasks: [{ taskId: "a", upstreamIds: [], state: "exploded" as never }] }),
      /Expected the state of task "a" to be one of none, scheduled/,
    );
    assert.throws(
      () => layoutGraph({ dagId: "d", tasks: "a,b" as never }),
      /Expected `tasks` to be an array, got "a,b" \(string\)/,
    );
  });
});
