/**
 * Finds a cycle in a directed graph given as node -> successors, returning its path
 * (first node repeated at the end: a -> b -> c -> a), or undefined.
 */
export function findCycle(successors: ReadonlyMap<string, Iterable<string>>): string[] | undefined {
  const WHITE = 0;
  const GREY = 1;
  const BLACK = 2;
  const color = new Map<string, number>();
  const parent = new Map<string, string>();
  for (const start of successors.keys()) {
    if ((color.get(start) ?? WHITE) !== WHITE) continue;
    const stack: Array<{ node: string; iterator: Iterator<string> }> = [
      { node: start, iterator: (successors.get(start) ?? [])[Symbol.iterator]() },
    ];
    color.set(start, GREY);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const step = frame.iterator.next();
      if (step.done) {
        color.set(frame.node, BLACK);
        stack.pop();
        continue;
      }
      const next = step.value;
      const nextColor = color.get(next) ?? WHITE;
      if (nextColor === GREY) return cyclePath(parent, frame.node, next);
      if (nextColor === WHITE) {
        color.set(next, GREY);
        parent.set(next, frame.node);
        stack.push({ node: next, iterator: (successors.get(next) ?? [])[Symbol.iterator]() });
      }
    }
  }
  return undefined;
}

function cyclePath(parent: ReadonlyMap<string, string>, from: string, to: string): string[] {
  const path = [from];
  let node = from;
  while (node !== to) {
    node = parent.get(node)!;
    path.push(node);
  }
  path.reverse();
  path.push(to);
  return path;
}
