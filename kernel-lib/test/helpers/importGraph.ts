import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

/** Files of a source tree and, for each, the files it imports at run time (relative to the root). */
export type ImportGraph = Map<string, string[]>;

/**
 * Reads the static imports and re-exports of every `.ts` file under `root`. `import type` and
 * `export type` are left out (the compiler erases them) unless `withTypeImports`; an `import { type A }` stays in,
 * since under verbatimModuleSyntax it still loads its module. Dynamic `import()` is left out:
 * it runs later, so it cannot take part in a load-order cycle.
 */
export function importGraphOf(root: string, options: { withTypeImports?: boolean } = {}): ImportGraph {
  const files = (readdirSync(root, { recursive: true }) as string[])
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"))
    .map((name) => name.split("\\").join("/"))
    .sort();
  const known = new Set(files);
  const graph: ImportGraph = new Map();
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(join(root, file), "utf8"), ts.ScriptTarget.ES2022);
    const targets = new Set<string>();
    for (const statement of source.statements) {
      const specifier = specifierOf(statement, options.withTypeImports ?? false);
      if (!specifier?.startsWith(".")) continue;
      const target = relative(root, resolve(root, dirname(file), specifier.replace(/\.js$/, ".ts")))
        .split("\\")
        .join("/");
      if (known.has(target)) targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

function specifierOf(statement: ts.Statement, withTypeImports: boolean): string | undefined {
  if (ts.isImportDeclaration(statement)) {
    if (statement.importClause?.isTypeOnly && !withTypeImports) return undefined;
    return ts.isStringLiteral(statement.moduleSpecifier) ? statement.moduleSpecifier.text : undefined;
  }
  if (ts.isExportDeclaration(statement) && statement.moduleSpecifier) {
    if (statement.isTypeOnly && !withTypeImports) return undefined;
    return ts.isStringLiteral(statement.moduleSpecifier) ? statement.moduleSpecifier.text : undefined;
  }
  return undefined;
}

/**
 * The import cycles of a graph, one per strongly connected component (Tarjan's algorithm),
 * each as a path that starts and ends at the same file: ["a.ts", "b.ts", "a.ts"].
 */
export function importCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  const visit = (file: string) => {
    index.set(file, counter);
    low.set(file, counter);
    counter += 1;
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(file, Math.min(low.get(file)!, index.get(next)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    for (;;) {
      const member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
      if (member === file) break;
    }
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) components.push(component);
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return components.map((component) => cyclePath(graph, new Set(component)));
}

/** One concrete cycle through a component: a shortest path back to its first file (in sorted order). */
function cyclePath(graph: ImportGraph, component: Set<string>): string[] {
  const start = [...component].sort()[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const next of graph.get(file) ?? []) {
      if (!component.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at = file; at !== start; at = previous.get(at)!) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!previous.has(next)) {
        previous.set(next, file);
        queue.push(next);
      }
    }
  }
  return [start, start];
}
