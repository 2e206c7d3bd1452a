// A module resolve hook: `import ... from "kitelab"` in a DAG file anywhere on disk
// (say ~/kitelab/dags) resolves to the library that is loading it, so DAG files need no
// node_modules of their own and share one copy of Kitelab with the scheduler.
let target;

export async function initialize(data) {
  target = data.target;
}

export async function resolve(specifier, context, nextResolve) {
  if (specifier === "kitelab" && target) {
    return { url: target, shortCircuit: true, format: target.endsWith(".ts") ? undefined : "module" };
  }
  return nextResolve(specifier, context);
}
