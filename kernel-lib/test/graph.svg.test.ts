import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { renderSvg, STATE_STYLES, type GraphInput } from "../src/graph/index.js";
import { TASK_INSTANCE_STATES } from "../src/states.js";
import { ValidationError } from "../src/errors.js";

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/**
 * A strict little XML reader, enough to prove a drawing is well formed: one root, balanced
 * tags, quoted attributes, no raw `<` or stray `&` in text or values. Throws otherwise.
 */
function parseXml(source: string): XmlElement {
  let at = 0;
  const fail = (what: string): never => {
    throw new Error(`${what} at offset ${at}: ${JSON.stringify(source.slice(at, at + 40))}`);
  };
  const decode = (raw: string): string => {
    let out = "";
    for (let index = 0; index < raw.length; index += 1) {
      const char = raw[index]!;
      if (char === "<") fail("raw < in text or attribute");
      if (char !== "&") {
        out += char;
        continue;
      }
      const end = raw.indexOf(";", index);
      if (end === -1) fail("unterminated entity");
      const name = raw.slice(index + 1, end);
      if (name.startsWith("#"))
        out += String.fromCodePoint(Number(name.startsWith("#x") ? `0x${name.slice(2)}` : name.slice(1)));
      else if (name in ENTITIES) out += ENTITIES[name];
      else fail(`unknown entity &${name};`);
      index = end;
    }
    return out;
  };
  const isNameChar = (char: string | undefined): boolean =>
    char !== undefined &&
    (char === "-" ||
      char === "_" ||
      char === ":" ||
      char === "." ||
      (char >= "a" && char <= "z") ||
      (char >= "A" && char <= "Z") ||
      (char >= "0" && char <= "9"));
  const readName = (): string => {
    const start = at;
    while (isNameChar(source[at])) at += 1;
    if (at === start) fail("expected a name");
    return source.slice(start, at);
  };
  const skipSpace = (): void => {
    while (source[at] === " " || source[at] === "\n" || source[at] === "\t" || source[at] === "\r") at += 1;
  };

  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (at < source.length) {
    if (source[at] !== "<") {
      const end = source.indexOf("<", at);
      const raw = source.slice(at, end === -1 ? source.length : end);
      const text = decode(raw);
      if (stack.length === 0 && text.trim() !== "") fail("text outside the root");
      if (stack.length > 0) stack[stack.length - 1]!.text += text;
      at += raw.length;
      continue;
    }
    if (source.startsWith("</", at)) {
      at += 2;
      const name = readName();
      skipSpace();
      if (source[at] !== ">") fail("expected >");
      at += 1;
      const open = stack.pop();
      if (open?.name !== name) fail(`closing </${name}> does not match <${open?.name}>`);
      continue;
    }
    at += 1;
    const element: XmlElement = { name: readName(), attributes: {}, children: [], text: "" };
    for (;;) {
      skipSpace();
      if (source.startsWith("/>", at) || source[at] === ">") break;
      const name = readName();
      if (name in element.attributes) fail(`duplicate attribute ${name}`);
      if (source[at] !== "=" || source[at + 1] !== '"') fail('expected ="');
      const end = source.indexOf('"', at + 2);
      if (end === -1) fail("unterminated attribute");
      element.attributes[name] = decode(source.slice(at + 2, end));
      at = end + 1;
      if (!" \n\t/>".includes(source[at] ?? "")) fail("expected a space between attributes");
    }
    if (stack.length > 0) stack[stack.length - 1]!.children.push(element);
    else if (root === undefined) root = element;
    else fail("a second root element");
    if (source.startsWith("/>", at)) at += 2;
    else {
      at += 1;
      stack.push(element);
    }
  }
  if (stack.length > 0) fail(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (root === undefined) fail("no root element");
  return root!;
}

function all(element: XmlElement, predicate: (element: XmlElement) => boolean): XmlElement[] {
  const found = predicate(element) ? [element] : [];
  return found.concat(...element.children.map((child) => all(child, predicate)));
}

function textOf(element: XmlElement): string {
  return element.text + element.children.map(textOf).join("");
}

const classes = (element: XmlElement): string[] => (element.attributes.class ?? "").split(" ");

const pipeline: GraphInput = {
  dagId: "ml_pipeline",
  tasks: [
    { taskId: "load", upstreamIds: [], operator: "PythonOperator", state: "success" },
    { taskId: "train", upstreamIds: ["load"], operator: "PythonOperator", state: "failed", tryNumber: 3 },
    { taskId: "evaluate", upstreamIds: ["train"], operator: "PythonOperator", state: "upstream_failed" },
    { taskId: "report", upstreamIds: ["load", "evaluate"], operator: "EmailOperator", triggerRule: "all_done" },
    { taskId: "cleanup", upstreamIds: [] },
  ],
};

describe("renderSvg", () => {
  it("is a well-formed SVG document with a box, label and data attributes for every task", () => {
    const root = parseXml(renderSvg(pipeline));
    assert.equal(root.name, "svg");
    assert.equal(root.attributes.xmlns, "http://www.w3.org/2000/svg");
    const nodes = all(root, (element) => classes(element).includes("kl-node"));
    assert.deepEqual(
      nodes.map((node) => node.attributes["data-task-id"]),
      pipeline.tasks.map((task) => task.taskId),
    );
    for (const node of nodes) {
      const taskId = node.attributes["data-task-id"]!;
      assert.equal(node.attributes.id, `task-${taskId}`);
      assert.equal(all(node, (element) => element.name === "rect").length, 1);
      const label = all(node, (element) => classes(element).includes("kl-label"))[0]!;
      assert.equal(textOf(label), taskId);
    }
    assert.equal(all(root, (element) => classes(element).includes("kl-edge")).length, 4);
    assert.equal(all(root, (element) => classes(element).includes("kl-arrow")).length, 4);
  });

  it("marks each task with its state as a class, so a page can recolour it in place", () => {
    const root = parseXml(renderSvg(pipeline));
    const stateOf = (taskId: string): string[] =>
      classes(all(root, (element) => element.attributes["data-task-id"] === taskId)[0]!).filter((name) =>
        name.startsWith("state-"),
      );
    assert.deepEqual(stateOf("load"), ["state-success"]);
    assert.deepEqual(stateOf("train"), ["state-failed"]);
    assert.deepEqual(stateOf("report"), ["state-none"], "a task without a state is drawn as none");
  });

  it("colours boxes with Airflow's palette, with style rules for every state", () => {
    const root = parseXml(renderSvg(pipeline));
    const css = textOf(all(root, (element) => element.name === "style")[0]!);
    for (const state of TASK_INSTANCE_STATES) {
      assert.ok(css.includes(`.state-${state} rect { fill: ${STATE_STYLES[state].fill};`), `a rule for ${state}`);
    }
    assert.equal(STATE_STYLES.success.fill, "#008000");
    assert.equal(STATE_STYLES.none.fill, "#ffffff");
    assert.ok(
      css.split("\n").every((line) => line.startsWith(".kitelab-graph")),
      "every rule is scoped to the drawing",
    );
  });

  it("shows a legend of exactly the states that appear, and none for a bare DAG", () => {
    const root = parseXml(renderSvg(pipeline));
    const legend = all(root, (element) => classes(element).includes("kl-legend-item"));
    assert.deepEqual(legend.map(textOf), ["no status", "success", "failed", "upstream failed"]);
    const bare = parseXml(renderSvg({ dagId: "bare", tasks: [{ taskId: "a", upstreamIds: [] }] }));
    assert.equal(all(bare, (element) => classes(element).includes("kl-legend")).length, 0);
  });

  it("shows the operator and a retried task's attempt under the task id", () => {
    const root = parseXml(renderSvg(pipeline));
    const sublabels = all(root, (element) => classes(element).includes("kl-sublabel")).map(textOf);
    assert.ok(sublabels.includes("PythonOperator · try 3"));
    assert.ok(sublabels.includes("EmailOperator"));
    const tooltip = all(root, (element) => element.attributes["data-task-id"] === "report")[0]!.children[0]!;
    assert.equal(tooltip.name, "title");
    assert.match(textOf(tooltip), /trigger rule: all_done/);
  });

  it("escapes a hostile DAG id and task ids instead of letting them into the markup", () => {
    const dagId = `</text><script>alert("x")</script> & co's`;
    const svg = renderSvg({
      dagId,
      tasks: [
        { taskId: `a"><script>`, upstreamIds: [], operator: "<b>Op</b>" },
        { taskId: "b&c", upstreamIds: [`a"><script>`] },
      ],
    });
    const root = parseXml(svg);
    assert.equal(all(root, (element) => element.name === "script").length, 0);
    assert.ok(!svg.includes("<script"));
    const title = all(root, (element) => classes(element).includes("kl-title"))[0]!;
    assert.equal(title.text, dagId);
    assert.equal(root.attributes["data-dag-id"], dagId);
    const ids = all(root, (element) => classes(element).includes("kl-node")).map(
      (node) => node.attributes["data-task-id"],
    );
    assert.deepEqual(ids, [`a"><script>`, "b&c"]);
  });

  it("references nothing outside itself", () => {
    const svg = renderSvg(pipeline);
    for (const outside of ["href", "url(", "@import", "@font-face", "<script", "<image", "marker-end"]) {
      assert.ok(!svg.includes(outside), `contains ${outside}`);
    }
  });

  it("takes a rendered width and keeps the proportions", () => {
    const root = parseXml(renderSvg(pipeline, { width: 300 }));
    const [, , viewWidth, viewHeight] = root.attributes.viewBox!.split(" ").map(Number);
    assert.equal(root.attributes.width, "300");
    assert.ok(Math.abs(Number(root.attributes.height) - (300 * viewHeight!) / viewWidth!) < 0.1);
    const natural = parseXml(renderSvg(pipeline));
    assert.equal(natural.attributes.width, String(viewWidth));
  });

  it("leaves the title out on request and takes an id prefix", () => {
    const root = parseXml(renderSvg(pipeline, { title: false, idPrefix: "run-1-" }));
    assert.equal(all(root, (element) => classes(element).includes("kl-title")).length, 0);
    assert.ok(all(root, (element) => element.attributes.id === "run-1-load").length === 1);
  });

  it("draws an empty DAG as a message", () => {
    const root = parseXml(renderSvg({ dagId: "nothing", tasks: [] }));
    assert.match(textOf(root), /This DAG has no tasks/);
  });

  it("stays well formed for 60 tasks", () => {
    const tasks = Array.from({ length: 60 }, (_, index) => ({
      taskId: `task_${index}`,
      upstreamIds: index === 0 ? [] : [`task_${Math.floor(index / 2)}`],
      state: TASK_INSTANCE_STATES[index % TASK_INSTANCE_STATES.length],
    }));
    const root = parseXml(renderSvg({ dagId: "big", tasks }));
    assert.equal(all(root, (element) => classes(element).includes("kl-node")).length, 60);
  });

  it("refuses bad options with a message that names the option", () => {
    assert.throws(
      () => renderSvg(pipeline, { width: -5 }),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.equal(error.message, "Expected `width` to be a positive number of pixels, got -5 (number)");
        return true;
      },
    );
    assert.throws(() => renderSvg(pipeline, { title: "yes" as never }), /Expected `title` to be a boolean/);
  });
});

describe("the test's XML reader", () => {
  it("rejects what a browser's XML parser would reject", () => {
    assert.throws(() => parseXml("<a><b></a></b>"), /does not match/);
    assert.throws(() => parseXml("<a>x < y</a>"));
    assert.throws(() => parseXml('<a t="1 & 2"/>'), /entity/);
    assert.throws(() => parseXml("<a></a><b></b>"), /second root/);
    assert.throws(() => parseXml("<a>"), /unclosed/);
    assert.equal(parseXml('<a t="&lt;&#39;">x &amp; y</a>').text, "x & y");
  });
});
