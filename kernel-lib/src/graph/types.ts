import type { TaskInstanceState } from "../states.js";

/** One task as the drawings see it. */
export interface GraphTask {
  taskId: string;
  /** Ids of the tasks this one depends on. */
  upstreamIds: string[];
  /** Operator class name, shown as a small label under the task id. */
  operator?: string;
  /** State in the run being shown; omit to draw the bare DAG. */
  state?: TaskInstanceState;
  /** Attempt number in the run being shown; attempts after the first are shown. */
  tryNumber?: number;
  /** Trigger rule; shown when it is not the default `all_success`. */
  triggerRule?: string;
}

/**
 * What every drawing takes: a DAG id and its tasks. The tasks must form a DAG (no cycle)
 * and name only upstream tasks that are in the list.
 * @example
 * const input: GraphInput = {
 *   dagId: "etl",
 *   tasks: [
 *     { taskId: "extract", upstreamIds: [] },
 *     { taskId: "load", upstreamIds: ["extract"], state: "running" },
 *   ],
 * };
 */
export interface GraphInput {
  dagId: string;
  tasks: GraphTask[];
}

export interface Point {
  x: number;
  y: number;
}

/** A task's box: `x`, `y` is its top-left corner. */
export interface LayoutNode {
  taskId: string;
  /** Column, counted from 0 at the roots: the longest path from a root. */
  layer: number;
  /** Position within the layer, from the top. */
  order: number;
  /** Horizontal band, from the top: one per connected part of the DAG, and one shared by all tasks without edges. */
  band: number;
  x: number;
  y: number;
  width: number;
  height: number;
  /** The second line of the box (operator, try number), or undefined for none. */
  sublabel: string | undefined;
  task: GraphTask;
}

/**
 * An edge from the right side of `from` to the left side of `to`. `points` alternate
 * between gaps and columns: `points[0]` leaves `from`, each following pair crosses one
 * column the edge skips (a horizontal run), and the last point enters `to`. The segments
 * `points[2k] -> points[2k+1]` cross the gap between two columns.
 */
export interface LayoutEdge {
  from: string;
  to: string;
  points: Point[];
}

/** A complete left-to-right drawing plan, in pixels, with (0, 0) at the top-left. */
export interface Layout {
  width: number;
  height: number;
  nodes: LayoutNode[];
  edges: LayoutEdge[];
  /** Task ids per layer, in drawing order within each layer, across all bands. */
  layers: string[][];
}
