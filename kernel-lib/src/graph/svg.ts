import { ValidationError, describeValue } from "../errors.js";
import { TASK_INSTANCE_STATES, type TaskInstanceState } from "../states.js";
import { escapeXml } from "./escape.js";
import { LAYOUT_METRICS, layoutGraph } from "./layout.js";
import { STATE_STYLES, statesInOrder } from "./palette.js";
import { estimateTextWidth } from "./textWidth.js";
import type { GraphInput, LayoutEdge, LayoutNode, Point } from "./types.js";

/** Options of {@link renderSvg}. */
export interface SvgOptions {
  /**
   * Draw the DAG id and task count above the graph.
   * @default true
   */
  title?: boolean;
  /**
   * Rendered width in pixels; the height follows the drawing's proportions. Without it the
   * drawing has its natural size (it still shrinks to fit its container: `max-width: 100%`).
   * @example renderSvg(input, { width: 600 })
   */
  width?: number;
  /**
   * Prefix of each task box's `id` attribute, so that several drawings on one page can
   * keep their ids unique. Every box also has `data-task-id` with the bare task id.
   * @default "task-"
   */
  idPrefix?: string;
}

const FONT_STACK = `-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "DejaVu Sans", sans-serif`;
const TITLE_FONT_SIZE = 15;
const LEGEND_FONT_SIZE = 11.5;
const HEADER_ROW = 26;
const ARROW_LENGTH = 8;
const ARROW_HALF_WIDTH = 4;

/**
 * Draws a DAG as a self-contained SVG document: rounded boxes coloured by task state
 * (Airflow's palette), arrows, and a legend of the states that appear. Styles live in a
 * `<style>` element scoped to the `kitelab-graph` class; no fonts, scripts or ids are
 * referenced, so several drawings can share a page.
 *
 * Every task box is a `<g>` with `id="<idPrefix><taskId>"`, `data-task-id`, `data-state`
 * and the classes `kl-node state-<state>`: a page can recolour a task by swapping the
 * `state-…` class, without laying the graph out again. The style sheet covers every state.
 * @throws {ValidationError} for malformed input or options.
 * @example
 * const svg = renderSvg({ dagId: "etl", tasks: [{ taskId: "extract", upstreamIds: [], state: "success" }] });
 */
export function renderSvg(input: GraphInput, options: SvgOptions = {}): string {
  const { title = true, width, idPrefix = "task-" } = checkOptions(options);
  const layout = layoutGraph(input);
  const states = input.tasks.some((task) => task.state !== undefined)
    ? statesInOrder(input.tasks.map((task) => task.state ?? "none"))
    : [];

  const header: string[] = [];
  let headerHeight = 0;
  let headerWidth = 0;
  if (title) {
    const count = `${input.tasks.length} ${input.tasks.length === 1 ? "task" : "tasks"}`;
    const titleWidth = estimateTextWidth(input.dagId, TITLE_FONT_SIZE, true);
    header.push(
      `<text class="kl-title" x="${LAYOUT_METRICS.margin}" y="${LAYOUT_METRICS.margin + 14}">${escapeXml(input.dagId)}` +
        `<tspan class="kl-count" dx="10">${count}</tspan></text>`,
    );
    headerHeight += HEADER_ROW;
    headerWidth = titleWidth + 10 + estimateTextWidth(count, 12);
  }
  if (states.length > 0) {
    const legend = legendOf(states, LAYOUT_METRICS.margin + headerHeight);
    header.push(legend.markup);
    headerHeight += HEADER_ROW;
    headerWidth = Math.max(headerWidth, legend.width);
  }
  if (headerHeight > 0) headerHeight += 4;

  const naturalWidth = Math.ceil(Math.max(layout.width, headerWidth + 2 * LAYOUT_METRICS.margin));
  const naturalHeight = Math.ceil(layout.height + headerHeight);
  const shownWidth = width ?? naturalWidth;
  const shownHeight = width === undefined ? naturalHeight : (naturalHeight * width) / naturalWidth;

  const body =
    layout.nodes.length === 0
      ? `<text class="kl-empty" x="${LAYOUT_METRICS.margin}" y="${LAYOUT_METRICS.margin + 12}">This DAG has no tasks.</text>`
      : [
          `<g class="kl-edges">${layout.edges.map(edgeMarkup).join("")}</g>`,
          `<g class="kl-nodes">${layout.nodes.map((node) => nodeMarkup(node, idPrefix)).join("")}</g>`,
        ].join("\n");

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="kitelab-graph" width="${fmt(shownWidth)}" height="${fmt(shownHeight)}"` +
      ` viewBox="0 0 ${naturalWidth} ${naturalHeight}" role="img" aria-label="${escapeXml(`Graph of DAG ${input.dagId}`)}"` +
      ` data-dag-id="${escapeXml(input.dagId)}" style="max-width: 100%; height: auto">`,
    `<style>${styleSheet()}</style>`,
    `<rect class="kl-background" width="${naturalWidth}" height="${naturalHeight}" rx="8"/>`,
    ...header,
    `<g class="kl-graph" transform="translate(0 ${headerHeight})">`,
    body,
    `</g>`,
    `</svg>`,
  ].join("\n");
}

function checkOptions(options: SvgOptions): SvgOptions {
  if (typeof options !== "object" || options === null) {
    throw new ValidationError(`Expected SVG options to be an object, got ${describeValue(options)}`);
  }
  if (options.title !== undefined && typeof options.title !== "boolean") {
    throw new ValidationError(`Expected \`title\` to be a boolean, got ${describeValue(options.title)}`);
  }
  if (
    options.width !== undefined &&
    !(typeof options.width === "number" && Number.isFinite(options.width) && options.width > 0)
  ) {
    throw new ValidationError(
      `Expected \`width\` to be a positive number of pixels, got ${describeValue(options.width)}`,
    );
  }
  if (options.idPrefix !== undefined && typeof options.idPrefix !== "string") {
    throw new ValidationError(`Expected \`idPrefix\` to be a string, got ${describeValue(options.idPrefix)}`);
  }
  return options;
}

function styleSheet(): string {
  const scope = ".kitelab-graph";
  const rules = [
    `${scope} { font-family: ${FONT_STACK}; }`,
    `${scope} .kl-background { fill: #ffffff; }`,
    `${scope} .kl-title { font-size: ${TITLE_FONT_SIZE}px; font-weight: 600; fill: #1f2328; }`,
    `${scope} .kl-count, ${scope} .kl-empty { font-size: 12px; font-weight: 400; fill: #656d76; }`,
    `${scope} .kl-legend .kl-legend-item text { font-size: ${LEGEND_FONT_SIZE}px; fill: #424a53; }`,
    `${scope} .kl-legend rect { stroke-width: 1; }`,
    `${scope} .kl-edge path { fill: none; stroke: #8c959f; stroke-width: 1.4; }`,
    `${scope} .kl-edge .kl-arrow { fill: #8c959f; stroke: none; }`,
    `${scope} .kl-node rect { stroke-width: 1.3; }`,
    `${scope} .kl-node .kl-label { font-size: ${LAYOUT_METRICS.labelFontSize}px; font-weight: 600; text-anchor: middle; }`,
    `${scope} .kl-node .kl-sublabel { font-size: ${LAYOUT_METRICS.sublabelFontSize}px; text-anchor: middle; opacity: 0.8; }`,
  ];
  for (const state of TASK_INSTANCE_STATES) {
    const style = STATE_STYLES[state];
    rules.push(
      `${scope} .state-${state} rect { fill: ${style.fill}; stroke: ${style.stroke}; }`,
      `${scope} .state-${state} text { fill: ${style.text}; }`,
    );
  }
  return rules.join("\n");
}

function legendOf(states: TaskInstanceState[], top: number): { markup: string; width: number } {
  let x = LAYOUT_METRICS.margin;
  const items = states.map((state) => {
    const label = STATE_STYLES[state].label;
    const item =
      `<g class="kl-legend-item state-${state}"><rect x="${fmt(x)}" y="${top + 3}" width="12" height="12" rx="3"/>` +
      `<text x="${fmt(x + 17)}" y="${top + 13.5}">${escapeXml(label)}</text></g>`;
    x += 17 + estimateTextWidth(label, LEGEND_FONT_SIZE) + 16;
    return item;
  });
  return { markup: `<g class="kl-legend">${items.join("")}</g>`, width: x - 16 - LAYOUT_METRICS.margin };
}

function nodeMarkup(node: LayoutNode, idPrefix: string): string {
  const state = node.task.state ?? "none";
  const labelY = node.sublabel === undefined ? node.height / 2 + 4.5 : 18;
  const tooltip = [
    node.taskId,
    node.task.operator === undefined ? undefined : `operator: ${node.task.operator}`,
    node.task.state === undefined ? undefined : `state: ${node.task.state}`,
    node.task.tryNumber === undefined ? undefined : `try: ${node.task.tryNumber}`,
    node.task.triggerRule === undefined || node.task.triggerRule === "all_success"
      ? undefined
      : `trigger rule: ${node.task.triggerRule}`,
  ].filter((line) => line !== undefined);
  const parts = [
    `<g class="kl-node state-${state}" id="${escapeXml(idPrefix + node.taskId)}" data-task-id="${escapeXml(node.taskId)}"` +
      ` data-state="${state}" transform="translate(${fmt(node.x)} ${fmt(node.y)})">`,
    `<title>${escapeXml(tooltip.join("\n"))}</title>`,
    `<rect width="${fmt(node.width)}" height="${fmt(node.height)}" rx="6"/>`,
    `<text class="kl-label" x="${fmt(node.width / 2)}" y="${fmt(labelY)}">${escapeXml(node.taskId)}</text>`,
  ];
  if (node.sublabel !== undefined) {
    parts.push(`<text class="kl-sublabel" x="${fmt(node.width / 2)}" y="33">${escapeXml(node.sublabel)}</text>`);
  }
  parts.push(`</g>`);
  return parts.join("");
}

function edgeMarkup(edge: LayoutEdge): string {
  const points = edge.points.map((point) => ({ ...point }));
  const tip = points[points.length - 1]!;
  points[points.length - 1] = { x: tip.x - ARROW_LENGTH + 1, y: tip.y };
  const path = [`M${fmtPoint(points[0]!)}`];
  for (let index = 1; index < points.length; index += 1) {
    const from = points[index - 1]!;
    const to = points[index]!;
    if (index % 2 === 1) {
      const bend = (to.x - from.x) / 2;
      path.push(
        `C${fmtPoint({ x: from.x + bend, y: from.y })} ${fmtPoint({ x: to.x - bend, y: to.y })} ${fmtPoint(to)}`,
      );
    } else {
      path.push(`L${fmtPoint(to)}`);
    }
  }
  const arrow =
    `M${fmtPoint(tip)} L${fmtPoint({ x: tip.x - ARROW_LENGTH, y: tip.y - ARROW_HALF_WIDTH })}` +
    ` L${fmtPoint({ x: tip.x - ARROW_LENGTH, y: tip.y + ARROW_HALF_WIDTH })} Z`;
  return (
    `<g class="kl-edge" data-from="${escapeXml(edge.from)}" data-to="${escapeXml(edge.to)}">` +
    `<path d="${path.join(" ")}"/><path class="kl-arrow" d="${arrow}"/></g>`
  );
}

function fmtPoint(point: Point): string {
  return `${fmt(point.x)} ${fmt(point.y)}`;
}

function fmt(value: number): string {
  return String(Math.round(value * 10) / 10);
}
