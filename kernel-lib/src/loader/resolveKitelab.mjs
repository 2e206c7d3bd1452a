// A module resolve hook: `import ... from "kitelab"` in a DAG file anywhere on disk
// (say ~/kitelab/dags) resolves to the library that is loading it, so DAG files need no
// node_modules of their own and share one copy of Kitelab with the scheduler.
let target;

export async function initialize(data) {
  target = data.target;
}

export async function resolve(specifier, context, nextResolve) {
  // Hand the target on to the next resolver (tsx's), so a .ts target is loaded as TypeScript.
  if (specifier === "kitelab" && target) return nextResolve(target, context);
  return nextResolve(specifier, context);
}
