import { ValidationError, describeValue } from "../errors.js";
import { TASK_INSTANCE_STATES } from "../states.js";
import type { GraphInput, GraphTask } from "./types.js";

/** A checked {@link GraphInput} with tasks addressed by their index in the input. */
export interface GraphModel {
  dagId: string;
  tasks: GraphTask[];
  indexOf: ReadonlyMap<string, number>;
  /** Upstream and downstream task indexes, without duplicates, in input order. */
  upstream: number[][];
  downstream: number[][];
  /** Longest path from a root, in edges. */
  layer: number[];
  layerCount: number;
  /** Weakly connected part of each task, numbered in order of first appearance. */
  component: number[];
  componentCount: number;
}

/** Checks `input` and indexes it; throws a {@link ValidationError} that names the problem. */
export function buildModel(input: GraphInput): GraphModel {
  if (typeof input !== "object" || input === null) {
    throw new ValidationError(`Expected a graph input { dagId, tasks }, got ${describeValue(input)}`);
  }
  if (typeof input.dagId !== "string") {
    throw new ValidationError(`Expected \`dagId\` to be a string, got ${describeValue(input.dagId)}`);
  }
  if (!Array.isArray(input.tasks)) {
    throw new ValidationError(`Expected \`tasks\` to be an array, got ${describeValue(input.tasks)}`);
  }
  const tasks = input.tasks;
  const indexOf = new Map<string, number>();
  tasks.forEach((task, index) => checkTask(task, index, indexOf));

  const upstream = tasks.map((task) => {
    const ids = new Set<number>();
    for (const id of task.upstreamIds) {
      const found = indexOf.get(id);
      if (found === undefined) {
        throw new ValidationError(
          `Task "${task.taskId}" names upstream task "${id}", which is not in the graph; pass every task of the DAG`,
        );
      }
      ids.add(found);
    }
    return [...ids].sort((a, b) => a - b);
  });
  const downstream: number[][] = tasks.map(() => []);
  upstream.forEach((ups, index) => ups.forEach((up) => downstream[up]!.push(index)));

  const layer = longestPathLayers(tasks, upstream, downstream);
  const { component, componentCount } = components(upstream, downstream);
  return {
    dagId: input.dagId,
    tasks,
    indexOf,
    upstream,
    downstream,
    layer,
    layerCount: tasks.length === 0 ? 0 : Math.max(...layer) + 1,
    component,
    componentCount,
  };
}

function checkTask(task: GraphTask, index: number, indexOf: Map<string, number>): void {
  if (typeof task !== "object" || task === null) {
    throw new ValidationError(`Expected \`tasks[${index}]\` to be a task object, got ${describeValue(task)}`);
  }
  if (typeof task.taskId !== "string" || task.taskId.length === 0) {
    throw new ValidationError(
      `Expected \`tasks[${index}].taskId\` to be a non-empty string, got ${describeValue(task.taskId)}`,
    );
  }
  if (indexOf.has(task.taskId)) {
    throw new ValidationError(`Task id "${task.taskId}" appears twice in the graph; task ids must be unique`);
  }
  if (!Array.isArray(task.upstreamIds) || task.upstreamIds.some((id) => typeof id !== "string")) {
    throw new ValidationError(
      `Expected \`upstreamIds\` of task "${task.taskId}" to be an array of task ids, got ${describeValue(task.upstreamIds)}`,
    );
  }
  if (task.state !== undefined && !(TASK_INSTANCE_STATES as readonly string[]).includes(task.state)) {
    throw new ValidationError(
      `Expected the state of task "${task.taskId}" to be one of ${TASK_INSTANCE_STATES.join(", ")}, got ${describeValue(task.state)}`,
    );
  }
  indexOf.set(task.taskId, index);
}

function longestPathLayers(tasks: GraphTask[], upstream: number[][], downstream: number[][]): number[] {
  const layer = tasks.map(() => 0);
  const waiting = upstream.map((ups) => ups.length);
  const ready = tasks.map((_, index) => index).filter((index) => waiting[index] === 0);
  let done = 0;
  while (ready.length > 0) {
    const current = ready.shift()!;
    done += 1;
    for (const next of downstream[current]!) {
      layer[next] = Math.max(layer[next]!, layer[current]! + 1);
      waiting[next]! -= 1;
      if (waiting[next] === 0) ready.push(next);
    }
  }
  if (done < tasks.length) {
    const stuck = tasks.filter((_, index) => waiting[index]! > 0).map((task) => task.taskId);
    throw new ValidationError(
      `The tasks ${stuck.join(", ")} form or follow a cycle; a DAG's dependencies must not loop`,
    );
  }
  return layer;
}

function components(upstream: number[][], downstream: number[][]): { component: number[]; componentCount: number } {
  const component = upstream.map(() => -1);
  let componentCount = 0;
  for (let start = 0; start < component.length; start += 1) {
    if (component[start] !== -1) continue;
    const stack = [start];
    component[start] = componentCount;
    while (stack.length > 0) {
      const current = stack.pop()!;
      for (const next of [...upstream[current]!, ...downstream[current]!]) {
        if (component[next] === -1) {
          component[next] = componentCount;
          stack.push(next);
        }
      }
    }
    componentCount += 1;
  }
  return { component, componentCount };
}
