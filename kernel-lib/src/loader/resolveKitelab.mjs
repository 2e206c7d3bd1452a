// Module resolve hooks for DAG files, which may live anywhere on disk (say ~/kitelab/dags):
// - `import ... from "kitelab"` resolves to the library that is loading them, so DAG files
//   need no node_modules of their own and share one copy of Kitelab with the scheduler;
// - a `.ts` DAG file is an ES module even where no package.json says "type": "module"
//   (otherwise tsx compiles it to CommonJS, where neither the alias nor top-level await work).
let target;

export async function initialize(data) {
  target = data.target;
}

export async function resolve(specifier, context, nextResolve) {
  // Hand the target on to the next resolver (tsx's), so a .ts target is loaded as TypeScript.
  const resolved =
    specifier === "kitelab" && target ? await nextResolve(target, context) : await nextResolve(specifier, context);
  if (
    resolved.format === "commonjs" &&
    /\.tsx?$/.test(new URL(resolved.url).pathname) &&
    !resolved.url.includes("/node_modules/")
  ) {
    return { ...resolved, format: "module" };
  }
  return resolved;
}
