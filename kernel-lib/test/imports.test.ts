import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { importCycles, importGraphOf } from "./helpers/importGraph.js";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));

/**
 * kernel-lib/src's layers, bottom first, as docs/architecture.md draws them. A module may
 * import its own layer or one below at run time; upward it may only `import type` (a port:
 * an interface the upper layer defines and the lower one implements).
 */
const LAYERS: readonly (readonly string[])[] = [
  ["errors.ts", "states.ts", "records.ts", "version.ts"],
  ["util", "engine", "timetable", "clock", "templating", "graph", "config"],
  ["dag"],
  ["runtime", "loader", "dagbag", "notify", "persistence"],
  ["executor", "connections", "hooks", "operators"],
  ["scheduler", "explain", "web"],
  ["client", "check", "cli", "notebook", "index.ts"],
];

function layerOf(file: string): number {
  const top = file.split("/")[0]!;
  const layer = LAYERS.findIndex((names) => names.includes(top));
  assert.ok(layer >= 0, `${file} is in no layer: add ${top} to LAYERS here and to docs/architecture.md`);
  return layer;
}

describe("kernel-lib/src's import structure", () => {
  const graph = importGraphOf(SRC);

  it("reads the source tree (the check is looking at the real files)", () => {
    assert.ok(graph.size > 100, `found only ${graph.size} files under ${SRC}`);
    assert.ok(graph.get("index.ts")!.length > 5, "index.ts imports the public modules");
  });

  it("has no runtime import cycle (import type is erased and does not count)", () => {
    const cycles = importCycles(graph);
    assert.deepEqual(
      cycles.map((cycle) => cycle.join(" -> ")),
      [],
      `runtime import cycles in kernel-lib/src (break each by moving what both sides need into a module below them, see docs/architecture.md):\n${cycles.map((cycle) => `  ${cycle.join(" -> ")}`).join("\n")}`,
    );
  });

  it("imports downward at run time: each layer uses only itself and the layers below", () => {
    const upward = [...graph].flatMap(([file, targets]) =>
      targets.filter((target) => layerOf(target) > layerOf(file)).map((target) => `  ${file} -> ${target}`),
    );
    assert.deepEqual(
      upward,
      [],
      `runtime imports that go up a layer (see the layers in docs/architecture.md):\n${upward.join("\n")}`,
    );
  });

  it("has no cycle even counting import type, except a DAG and its operators naming each other", () => {
    const cycles = importCycles(importGraphOf(SRC, { withTypeImports: true })).filter(
      (cycle) => !cycle.every((file) => file.startsWith("dag/")),
    );
    assert.deepEqual(
      cycles.map((cycle) => cycle.join(" -> ")),
      [],
      "type imports that close a cycle: move the shared types into a module both sides can import",
    );
  });
});

describe("the cycle finder", () => {
  it("names a cycle as a path back to its start", () => {
    const graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["a.ts"]],
    ]);
    assert.deepEqual(importCycles(graph), [["a.ts", "b.ts", "c.ts", "a.ts"]]);
  });

  it("finds nothing in a tree", () => {
    assert.deepEqual(
      importCycles(
        new Map([
          ["a.ts", ["b.ts", "c.ts"]],
          ["b.ts", ["c.ts"]],
          ["c.ts", []],
        ]),
      ),
      [],
    );
  });
});
