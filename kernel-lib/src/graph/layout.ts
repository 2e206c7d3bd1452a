import { buildModel, type GraphModel } from "./model.js";
import { estimateTextWidth } from "./textWidth.js";
import type { GraphInput, GraphTask, Layout, LayoutEdge, LayoutNode, Point } from "./types.js";

/** Sizes the layout uses; the SVG renderer draws its text with the same font sizes. */
export const LAYOUT_METRICS = {
  labelFontSize: 13,
  sublabelFontSize: 10.5,
  paddingX: 14,
  minNodeWidth: 72,
  nodeHeight: 30,
  nodeHeightWithSublabel: 42,
  margin: 16,
  columnGap: 72,
  rowGap: 16,
  dummyGap: 10,
  bandGap: 28,
} as const;

const ORDER_SWEEPS = 12;
const PLACEMENT_SWEEPS = 8;
/** Bends of long edges weigh more than boxes, so long edges come out straight. */
const DUMMY_WEIGHT = 4;

interface Vertex {
  /** Index of the task, or undefined for a bend point of an edge that skips layers. */
  task: number | undefined;
  layer: number;
  band: number;
  width: number;
  height: number;
  up: number[];
  down: number[];
}

/**
 * Lays out a DAG left to right (Sugiyama-style): each task goes in the column of its
 * longest path from a root, tasks within a column are ordered by barycenter sweeps to
 * reduce edge crossings, and each unconnected part of the DAG gets its own band. The
 * result is deterministic: the same input always gives the same layout.
 * @throws {ValidationError} when the input is malformed, names unknown tasks or has a cycle.
 * @example
 * const layout = layoutGraph({ dagId: "etl", tasks: [
 *   { taskId: "extract", upstreamIds: [] },
 *   { taskId: "load", upstreamIds: ["extract"] },
 * ] });
 * layout.layers; // [["extract"], ["load"]]
 */
export function layoutGraph(input: GraphInput): Layout {
  const model = buildModel(input);
  const { vertices, chains } = buildVertices(model, bandsOf(model));
  const centerY = new Map<number, number>();
  let bandTop = LAYOUT_METRICS.margin;
  const layerOrders: number[][][] = [];

  const bandCount = Math.max(0, ...vertices.map((vertex) => vertex.band + 1));
  for (let band = 0; band < bandCount; band += 1) {
    const layers = orderLayers(initialOrder(vertices, band, model.layerCount), vertices);
    layerOrders.push(layers);
    const ys = placeVertically(layers, vertices);
    let top = Infinity;
    let bottom = -Infinity;
    for (const [vertex, y] of ys) {
      top = Math.min(top, y - vertices[vertex]!.height / 2);
      bottom = Math.max(bottom, y + vertices[vertex]!.height / 2);
    }
    for (const [vertex, y] of ys) centerY.set(vertex, y - top + bandTop);
    bandTop += bottom - top + LAYOUT_METRICS.bandGap;
  }

  const columnWidth = Array.from({ length: model.layerCount }, () => 0);
  for (const vertex of vertices) {
    if (vertex.task !== undefined) columnWidth[vertex.layer] = Math.max(columnWidth[vertex.layer]!, vertex.width);
  }
  const columnLeft: number[] = [];
  let left = LAYOUT_METRICS.margin;
  for (const width of columnWidth) {
    columnLeft.push(left);
    left += width + LAYOUT_METRICS.columnGap;
  }

  const position = new Map<number, number>();
  layerOrders.forEach((layers) =>
    layers.forEach((layer) => layer.forEach((vertex, order) => position.set(vertex, order))),
  );
  const nodes: LayoutNode[] = model.tasks.map((task, index) => {
    const vertex = vertices[index]!;
    return {
      taskId: task.taskId,
      layer: vertex.layer,
      order: position.get(index)!,
      band: vertex.band,
      x: columnLeft[vertex.layer]! + (columnWidth[vertex.layer]! - vertex.width) / 2,
      y: centerY.get(index)! - vertex.height / 2,
      width: vertex.width,
      height: vertex.height,
      sublabel: sublabelOf(task),
      task,
    };
  });

  const edges: LayoutEdge[] = chains.map((chain) => {
    const from = nodes[chain[0]!]!;
    const to = nodes[chain[chain.length - 1]!]!;
    const points: Point[] = [{ x: from.x + from.width, y: from.y + from.height / 2 }];
    for (const bend of chain.slice(1, -1)) {
      const { layer } = vertices[bend]!;
      const y = centerY.get(bend)!;
      points.push({ x: columnLeft[layer]!, y }, { x: columnLeft[layer]! + columnWidth[layer]!, y });
    }
    points.push({ x: to.x, y: to.y + to.height / 2 });
    return { from: from.taskId, to: to.taskId, points };
  });

  const layers: string[][] = Array.from({ length: model.layerCount }, () => []);
  for (const bandLayers of layerOrders) {
    bandLayers.forEach((layer, index) => {
      for (const vertex of layer) {
        const task = vertices[vertex]!.task;
        if (task !== undefined) layers[index]!.push(model.tasks[task]!.taskId);
      }
    });
  }

  return {
    width: model.layerCount === 0 ? 2 * LAYOUT_METRICS.margin : left - LAYOUT_METRICS.columnGap + LAYOUT_METRICS.margin,
    height:
      model.tasks.length === 0 ? 2 * LAYOUT_METRICS.margin : bandTop - LAYOUT_METRICS.bandGap + LAYOUT_METRICS.margin,
    nodes,
    edges,
    layers,
  };
}

/** The second line of a task's box: its operator, and the attempt when it is not the first. */
export function sublabelOf(task: GraphTask): string | undefined {
  const parts: string[] = [];
  if (task.operator) parts.push(task.operator);
  if (task.tryNumber !== undefined && task.tryNumber > 1) parts.push(`try ${task.tryNumber}`);
  return parts.length > 0 ? parts.join(" · ") : undefined;
}

function nodeSize(task: GraphTask): { width: number; height: number } {
  const sublabel = sublabelOf(task);
  const text = Math.max(
    estimateTextWidth(task.taskId, LAYOUT_METRICS.labelFontSize, true),
    sublabel === undefined ? 0 : estimateTextWidth(sublabel, LAYOUT_METRICS.sublabelFontSize),
  );
  return {
    width: Math.max(LAYOUT_METRICS.minNodeWidth, Math.ceil(text + 2 * LAYOUT_METRICS.paddingX)),
    height: sublabel === undefined ? LAYOUT_METRICS.nodeHeight : LAYOUT_METRICS.nodeHeightWithSublabel,
  };
}

/**
 * The band of each task: its connected part of the DAG, except that tasks without any
 * edge share one band (a compact column rather than one band each).
 */
function bandsOf(model: GraphModel): number[] {
  const bandOfComponent = new Map<number, number>();
  let isolatedBand: number | undefined;
  let nextBand = 0;
  return model.tasks.map((_, index) => {
    if (model.upstream[index]!.length === 0 && model.downstream[index]!.length === 0) {
      isolatedBand ??= nextBand++;
      return isolatedBand;
    }
    const component = model.component[index]!;
    if (!bandOfComponent.has(component)) bandOfComponent.set(component, nextBand++);
    return bandOfComponent.get(component)!;
  });
}

/** Tasks first (vertex i is task i), then one bend vertex per layer an edge skips. */
function buildVertices(model: GraphModel, bands: number[]): { vertices: Vertex[]; chains: number[][] } {
  const vertices: Vertex[] = model.tasks.map((task, index) => ({
    task: index,
    layer: model.layer[index]!,
    band: bands[index]!,
    ...nodeSize(task),
    up: [],
    down: [],
  }));
  const chains: number[][] = [];
  model.upstream.forEach((ups, target) => {
    for (const source of ups) {
      const chain = [source];
      for (let layer = model.layer[source]! + 1; layer < model.layer[target]!; layer += 1) {
        vertices.push({ task: undefined, layer, band: bands[source]!, width: 0, height: 0, up: [], down: [] });
        chain.push(vertices.length - 1);
      }
      chain.push(target);
      for (let step = 1; step < chain.length; step += 1) {
        vertices[chain[step - 1]!]!.down.push(chain[step]!);
        vertices[chain[step]!]!.up.push(chain[step - 1]!);
      }
      chains.push(chain);
    }
  });
  return { vertices, chains };
}

/** Layers of one band, each in depth-first discovery order from the roots. */
function initialOrder(vertices: Vertex[], band: number, layerCount: number): number[][] {
  const seen = new Set<number>();
  const visitOrder: number[] = [];
  const visit = (start: number): void => {
    const stack = [start];
    while (stack.length > 0) {
      const vertex = stack.pop()!;
      if (seen.has(vertex)) continue;
      seen.add(vertex);
      visitOrder.push(vertex);
      const next = vertices[vertex]!.down;
      for (let index = next.length - 1; index >= 0; index -= 1) stack.push(next[index]!);
    }
  };
  vertices.forEach((vertex, index) => {
    if (vertex.band === band && vertex.up.length === 0) visit(index);
  });
  const layers: number[][] = [];
  for (const vertex of visitOrder) {
    const { layer } = vertices[vertex]!;
    while (layers.length <= layer) layers.push([]);
    layers[layer]!.push(vertex);
  }
  return layers.slice(0, layerCount);
}

/** Barycenter sweeps, alternately down and up; keeps the order with the fewest crossings. */
function orderLayers(start: number[][], vertices: Vertex[]): number[][] {
  let layers = start.map((layer) => [...layer]);
  const position = new Map<number, number>();
  const index = (): void => layers.forEach((layer) => layer.forEach((vertex, order) => position.set(vertex, order)));
  index();
  let best = layers.map((layer) => [...layer]);
  let bestCrossings = countCrossings(layers, vertices, position);

  for (let sweep = 0; sweep < ORDER_SWEEPS && bestCrossings > 0; sweep += 1) {
    const downward = sweep % 2 === 0;
    const sequence = downward ? range(1, layers.length) : range(0, layers.length - 1).reverse();
    for (const layerIndex of sequence) {
      const layer = layers[layerIndex]!;
      const key = new Map<number, number>();
      for (const vertex of layer) {
        const neighbours = downward ? vertices[vertex]!.up : vertices[vertex]!.down;
        key.set(
          vertex,
          neighbours.length === 0 ? position.get(vertex)! : mean(neighbours.map((n) => position.get(n)!)),
        );
      }
      layer.sort((a, b) => key.get(a)! - key.get(b)! || position.get(a)! - position.get(b)!);
      layer.forEach((vertex, order) => position.set(vertex, order));
    }
    const crossings = countCrossings(layers, vertices, position);
    if (crossings < bestCrossings) {
      bestCrossings = crossings;
      best = layers.map((layer) => [...layer]);
    }
  }
  layers = best;
  return layers;
}

function countCrossings(layers: number[][], vertices: Vertex[], position: Map<number, number>): number {
  let crossings = 0;
  for (const layer of layers) {
    const segments: Array<[number, number]> = [];
    for (const vertex of layer) {
      for (const next of vertices[vertex]!.down) segments.push([position.get(vertex)!, position.get(next)!]);
    }
    for (let i = 0; i < segments.length; i += 1) {
      for (let j = i + 1; j < segments.length; j += 1) {
        const [a1, b1] = segments[i]!;
        const [a2, b2] = segments[j]!;
        if ((a1 - a2) * (b1 - b2) < 0) crossings += 1;
      }
    }
  }
  return crossings;
}

/**
 * Vertical centres for one band: each layer in turn is pulled towards the mean of its
 * neighbours in the previous layer, keeping its order and spacing (isotonic regression).
 */
function placeVertically(layers: number[][], vertices: Vertex[]): Map<number, number> {
  const y = new Map<number, number>();
  for (const layer of layers) {
    const placed = stack(
      layer.map(() => 0),
      layer.map(() => 1),
      separations(layer, vertices),
    );
    const middle = mean(placed);
    layer.forEach((vertex, index) => y.set(vertex, placed[index]! - middle));
  }
  const pull = (layer: number[], towardsUpstream: boolean): void => {
    const desired = layer.map((vertex) => {
      const neighbours = towardsUpstream ? vertices[vertex]!.up : vertices[vertex]!.down;
      return neighbours.length === 0 ? y.get(vertex)! : mean(neighbours.map((n) => y.get(n)!));
    });
    const weights = layer.map((vertex) => (vertices[vertex]!.task === undefined ? DUMMY_WEIGHT : 1));
    const placed = stack(desired, weights, separations(layer, vertices));
    layer.forEach((vertex, index) => y.set(vertex, placed[index]!));
  };
  for (let sweep = 0; sweep < PLACEMENT_SWEEPS; sweep += 1) {
    for (const layerIndex of range(1, layers.length)) pull(layers[layerIndex]!, true);
    for (const layerIndex of range(0, layers.length - 1).reverse()) pull(layers[layerIndex]!, false);
  }
  return y;
}

function separations(layer: number[], vertices: Vertex[]): number[] {
  const gaps: number[] = [];
  for (let index = 1; index < layer.length; index += 1) {
    const above = vertices[layer[index - 1]!]!;
    const below = vertices[layer[index]!]!;
    const gap = above.task === undefined || below.task === undefined ? LAYOUT_METRICS.dummyGap : LAYOUT_METRICS.rowGap;
    gaps.push((above.height + below.height) / 2 + gap);
  }
  return gaps;
}

/**
 * Positions closest (weighted least squares) to `desired` such that each one is at least
 * `gaps[i - 1]` below the previous: pool-adjacent-violators on the shifted problem.
 */
function stack(desired: number[], weights: number[], gaps: number[]): number[] {
  const offsets = [0];
  for (const gap of gaps) offsets.push(offsets[offsets.length - 1]! + gap);
  const blocks: Array<{ weight: number; sum: number; count: number }> = [];
  desired.forEach((value, index) => {
    const weight = weights[index]!;
    blocks.push({ weight, sum: weight * (value - offsets[index]!), count: 1 });
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1]!;
      const previous = blocks[blocks.length - 2]!;
      if (previous.sum / previous.weight <= last.sum / last.weight) break;
      blocks.pop();
      previous.weight += last.weight;
      previous.sum += last.sum;
      previous.count += last.count;
    }
  });
  const result: number[] = [];
  for (const block of blocks) {
    for (let step = 0; step < block.count; step += 1) result.push(block.sum / block.weight + offsets[result.length]!);
  }
  return result;
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, index) => from + index);
}
