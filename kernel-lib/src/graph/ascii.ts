import { ValidationError, describeValue } from "../errors.js";
import { layoutGraph } from "./layout.js";
import { STATE_STYLES, statesInOrder } from "./palette.js";
import type { GraphInput, GraphTask } from "./types.js";

/** Options of {@link renderAscii}. */
export interface AsciiOptions {
  /**
   * Maximum line length, in characters.
   * @default 100
   */
  width?: number;
  /**
   * Use box-drawing characters and state symbols (✓ ✗ ▶); `false` keeps to plain ASCII,
   * for terminals and logs that cannot show them.
   * @default true
   */
  unicode?: boolean;
}

interface Glyphs {
  rule: string;
  single: string;
  first: string;
  middle: string;
  last: string;
}

const UNICODE: Glyphs = { rule: "─", single: "───▶ ", first: "─┬─▶ ", middle: " ├─▶ ", last: " └─▶ " };
const PLAIN: Glyphs = { rule: "-", single: "---> ", first: "-+-> ", middle: " |-> ", last: " `-> " };
const MAX_ID_COLUMN = 32;
const MAX_DETAIL_COLUMN = 30;
const MIN_WIDTH = 40;

/**
 * Draws a DAG for a terminal: tasks grouped by layer (the longest path from a root, as in
 * the SVG drawing), each with its state symbol, operator and arrows to its downstream
 * tasks. No line is longer than `width`.
 * @throws {ValidationError} for malformed input or options.
 * @example
 * console.log(renderAscii(input));
 * // DAG etl · 2 tasks in 2 layers
 * //
 * // ── layer 1 ───────────────
 * //   extract  ───▶ load
 * // ── layer 2 ───────────────
 * //   load
 */
export function renderAscii(input: GraphInput, options: AsciiOptions = {}): string {
  const { width = 100, unicode = true } = checkOptions(options);
  const glyphs = unicode ? UNICODE : PLAIN;
  const layout = layoutGraph(input);
  const tasks = new Map(input.tasks.map((task) => [task.taskId, task]));
  const rank = new Map<string, number>();
  layout.layers.flat().forEach((taskId, index) => rank.set(taskId, index));
  const downstream = new Map<string, string[]>(input.tasks.map((task) => [task.taskId, []]));
  for (const edge of layout.edges) downstream.get(edge.from)!.push(edge.to);
  for (const targets of downstream.values()) targets.sort((a, b) => rank.get(a)! - rank.get(b)!);

  const withStates = input.tasks.some((task) => task.state !== undefined);
  const symbolOf = (task: GraphTask): string => {
    const style = STATE_STYLES[task.state ?? "none"];
    return withStates ? `${unicode ? style.symbol : style.asciiSymbol} ` : "";
  };
  const details = new Map(input.tasks.map((task) => [task.taskId, detailsOf(task)]));
  const idColumn = Math.min(MAX_ID_COLUMN, Math.max(0, ...input.tasks.map((task) => length(clean(task.taskId)))));
  const detailColumn = Math.min(MAX_DETAIL_COLUMN, Math.max(0, ...[...details.values()].map(length)));

  const count = `${input.tasks.length} ${input.tasks.length === 1 ? "task" : "tasks"}`;
  const layerCount = `${layout.layers.length} ${layout.layers.length === 1 ? "layer" : "layers"}`;
  const lines = [`DAG ${clean(input.dagId)}${unicode ? " · " : " - "}${count} in ${layerCount}`];
  if (input.tasks.length === 0) return wrap(lines, width).join("\n");
  if (withStates) {
    const states = statesInOrder(input.tasks.map((task) => task.state ?? "none"));
    const items = states.map(
      (state) => `${symbolOf({ taskId: "", upstreamIds: [], state })}${STATE_STYLES[state].label}`,
    );
    lines.push(...joinWithin(items, "   ", width));
  }
  lines.push("");

  const ruleLength = Math.min(width, 2 + (withStates ? 2 : 0) + idColumn + 2 + detailColumn + 2 + 5 + idColumn);
  layout.layers.forEach((layer, index) => {
    const title = `${glyphs.rule.repeat(2)} layer ${index + 1} `;
    lines.push(title + glyphs.rule.repeat(Math.max(0, ruleLength - length(title))));
    for (const taskId of layer) {
      const task = tasks.get(taskId)!;
      let left = `  ${symbolOf(task)}${pad(clean(taskId), idColumn)}`;
      const detail = details.get(taskId)!;
      if (detailColumn > 0) left += `  ${pad(detail, detailColumn)}`;
      lines.push(...taskLines(left.trimEnd(), left, downstream.get(taskId)!.map(clean), glyphs, width));
    }
  });
  return wrap(lines, width).join("\n");
}

/** A task's row with its arrows beside it, or under it when they would not fit. */
function taskLines(bare: string, left: string, targets: string[], glyphs: Glyphs, width: number): string[] {
  if (targets.length === 0) return [bare];
  const arrowColumn = length(left) + 2;
  const widest = Math.max(...targets.map(length));
  if (arrowColumn + length(glyphs.first) + widest <= width) {
    if (targets.length === 1) return [`${left}  ${glyphs.single}${targets[0]}`];
    const indent = " ".repeat(arrowColumn);
    return targets.map((target, index) => {
      if (index === 0) return `${left}  ${glyphs.first}${target}`;
      return `${indent}${index === targets.length - 1 ? glyphs.last : glyphs.middle}${target}`;
    });
  }
  const indent = "    ";
  return [
    bare,
    ...targets.map(
      (target, index) =>
        `${indent}${index === targets.length - 1 ? glyphs.last.trimStart() : glyphs.middle.trimStart()}${target}`,
    ),
  ];
}

function detailsOf(task: GraphTask): string {
  const parts: string[] = [];
  if (task.operator) parts.push(task.operator);
  if (task.tryNumber !== undefined && task.tryNumber > 1) parts.push(`try ${task.tryNumber}`);
  const rule = task.triggerRule !== undefined && task.triggerRule !== "all_success" ? ` [${task.triggerRule}]` : "";
  return clean(parts.join(", ") + rule).trim();
}

/** Joins `items` into as few lines of at most `width` characters as it can. */
function joinWithin(items: string[], separator: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const item of items) {
    if (line !== "" && length(line) + length(separator) + length(item) > width) {
      lines.push(line);
      line = item;
    } else {
      line = line === "" ? item : line + separator + item;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}

/** Cuts lines longer than `width` into continuation lines, so nothing exceeds it. */
function wrap(lines: string[], width: number): string[] {
  const result: string[] = [];
  for (const line of lines) {
    let rest = [...line];
    result.push(rest.slice(0, width).join("").trimEnd());
    rest = rest.slice(width);
    while (rest.length > 0) {
      result.push(`      ${rest.slice(0, width - 6).join("")}`.trimEnd());
      rest = rest.slice(width - 6);
    }
  }
  return result;
}

/** Control characters from user code must not reach the terminal as escape sequences. */
function clean(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

function pad(text: string, size: number): string {
  return text + " ".repeat(Math.max(0, size - length(text)));
}

function length(text: string): number {
  return [...text].length;
}

function checkOptions(options: AsciiOptions): AsciiOptions {
  if (typeof options !== "object" || options === null) {
    throw new ValidationError(`Expected ASCII drawing options to be an object, got ${describeValue(options)}`);
  }
  if (options.width !== undefined && !(Number.isInteger(options.width) && options.width >= MIN_WIDTH)) {
    throw new ValidationError(
      `Expected \`width\` to be an integer of at least ${MIN_WIDTH} columns, got ${describeValue(options.width)}`,
    );
  }
  if (options.unicode !== undefined && typeof options.unicode !== "boolean") {
    throw new ValidationError(`Expected \`unicode\` to be a boolean, got ${describeValue(options.unicode)}`);
  }
  return options;
}
