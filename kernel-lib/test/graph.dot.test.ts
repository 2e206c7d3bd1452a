import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { renderDot, type GraphInput } from "../src/graph/index.js";

const diamond: GraphInput = {
  dagId: "diamond",
  tasks: [
    { taskId: "start", upstreamIds: [], operator: "EmptyOperator", state: "success" },
    { taskId: "left", upstreamIds: ["start"] },
    { taskId: "right", upstreamIds: ["start"], state: "failed" },
    { taskId: "end", upstreamIds: ["left", "right"] },
  ],
};

/** DOT tokens: quoted strings (with \" escapes), HTML-like <...> labels, names and punctuation. */
function tokenize(dot: string): string[] {
  const tokens: string[] = [];
  let at = 0;
  while (at < dot.length) {
    const char = dot[at]!;
    if (/\s/.test(char)) at += 1;
    else if (char === '"') {
      let end = at + 1;
      while (dot[end] !== '"') {
        if (end >= dot.length) throw new Error(`unterminated string at ${at}`);
        end += dot[end] === "\\" ? 2 : 1;
      }
      tokens.push(dot.slice(at, end + 1));
      at = end + 1;
    } else if (char === "<") {
      let depth = 0;
      let end = at;
      do {
        if (end >= dot.length) throw new Error(`unterminated HTML label at ${at}`);
        if (dot[end] === "<") depth += 1;
        if (dot[end] === ">") depth -= 1;
        end += 1;
      } while (depth > 0);
      tokens.push(dot.slice(at, end));
      at = end;
    } else if (dot.startsWith("->", at)) {
      tokens.push("->");
      at += 2;
    } else if ("{}[];,=".includes(char)) {
      tokens.push(char);
      at += 1;
    } else {
      const match = /^[A-Za-z0-9_.]+/.exec(dot.slice(at));
      if (!match) throw new Error(`unexpected ${JSON.stringify(char)} at ${at}`);
      tokens.push(match[0]);
      at += match[0].length;
    }
  }
  return tokens;
}

describe("renderDot", () => {
  it("writes a diamond as a left-to-right digraph with one statement per task and edge", () => {
    const dot = renderDot(diamond);
    const tokens = tokenize(dot);
    assert.deepEqual(tokens.slice(0, 3), ["digraph", '"diamond"', "{"]);
    assert.equal(tokens.at(-1), "}");
    assert.equal(tokens.filter((token) => token === "{").length, 1);
    assert.equal(tokens.filter((token) => token === "[").length, tokens.filter((token) => token === "]").length);
    assert.match(dot, /rankdir=LR/);
    const edges = dot
      .split("\n")
      .filter((line) => line.includes("->"))
      .map((line) => line.trim());
    assert.deepEqual(edges, ['"start" -> "left";', '"start" -> "right";', '"left" -> "end";', '"right" -> "end";']);
    for (const id of ["start", "left", "right", "end"])
      assert.match(dot, new RegExp(`^  "${id}" \\[label=<${id}`, "m"));
  });

  it("fills tasks with their state's colour and shows the operator", () => {
    const dot = renderDot(diamond);
    assert.match(dot, /"start" \[label=<start<BR\/><FONT POINT-SIZE="9">EmptyOperator<\/FONT>>, fillcolor="#008000"/);
    assert.match(dot, /"right" \[label=<right>, fillcolor="#e02020"/);
    assert.match(dot, /^ {2}"left" \[label=<left>\];$/m);
  });

  it("keeps hostile ids inside their strings and labels", () => {
    const dot = renderDot({
      dagId: 'x" { evil } "',
      tasks: [
        { taskId: 'a"];b[', upstreamIds: [] },
        { taskId: "<c>&", upstreamIds: ['a"];b['] },
      ],
    });
    const tokens = tokenize(dot);
    assert.deepEqual(tokens.slice(0, 3), ["digraph", '"dag"', "{"]);
    assert.equal(tokens.filter((token) => token === "{").length, 1);
    assert.match(dot, /^ {2}"#0" \[label=<a&quot;\];b\[>\];$/m);
    assert.match(dot, /^ {2}"#1" \[label=<&lt;c&gt;&amp;>\];$/m);
    assert.match(dot, /^ {2}"#0" -> "#1";$/m);
    assert.match(dot, /label=<<B>x&quot; \{ evil \} &quot;<\/B>>/);
  });
});
