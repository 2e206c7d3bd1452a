/**
 * A path from `start` to `goal` along the edges (node -> successors), both ends included,
 * or undefined when `goal` cannot be reached. Adding the edge goal -> start closes a cycle
 * exactly when there is one, and checking that costs what lies below `start`, not the whole
 * graph (a wide fan-out added its edges in quadratic time when every edge rechecked all).
 */
export function pathBetween(
  successors: ReadonlyMap<string, Iterable<string>>,
  start: string,
  goal: string,
): string[] | undefined {
  const parent = new Map<string, string>([[start, start]]);
  const stack = [start];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node === goal) {
      const path = [node];
      for (let at = node; at !== start; ) path.push((at = parent.get(at)!));
      return path.reverse();
    }
    for (const next of successors.get(node) ?? []) {
      if (parent.has(next)) continue;
      parent.set(next, node);
      stack.push(next);
    }
  }
  return undefined;
}
