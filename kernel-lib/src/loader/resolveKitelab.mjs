// Module resolve hooks for DAG files, which may live anywhere on disk (say ~/kitelab/dags):
// - `import ... from "kitelab"` resolves to the library that is loading them, so DAG files
//   need no node_modules of their own and share one copy of Kitelab with the scheduler;
// - any other package a DAG file's folder does not have is looked up next to the library;
// - a `.ts` DAG file is an ES module even where no package.json says "type": "module"
//   (otherwise tsx compiles it to CommonJS, where neither the alias nor top-level await work);
// - a DAG file imported as `file.ts?v=<version>` (dagbag/importFile.ts: the version covers the
//   file and its local modules) hands the version on to what it imports by a relative path, so
//   an edited helper (`./lib/train.ts`) is loaded afresh instead of from the module cache.
let target;

export async function initialize(data) {
  target = data.target;
}

/** The `v` of a versioned DAG module's URL, or undefined. */
function versionOf(url) {
  if (!url?.startsWith("file:")) return undefined;
  return new URL(url).searchParams.get("v") ?? undefined;
}

/**
 * A file of the user's (outside node_modules), without the queries tsx adds when it means to
 * load a TypeScript file as CommonJS (`%3Ftsx-commonjs-export-preparse=1?...`), or undefined
 * (a package's file, or another file tsx loads its own way).
 */
function userFile(url) {
  if (!url.startsWith("file:") || url.includes("/node_modules/")) return undefined;
  const clean = new URL(url);
  if (!clean.pathname.includes("%3Ftsx-") && !clean.search.includes("tsx-")) return clean;
  clean.pathname = clean.pathname.replace(/%3Ftsx-.*$/, "");
  clean.search = "";
  // Only a TypeScript file is taken from tsx's CommonJS path (to load as an ES module); others stay its.
  return /\.tsx?$/.test(clean.pathname) ? clean : undefined;
}

/** A package name (`pandas-js`, `@scope/pkg/sub`), not a path, URL or node: builtin. */
function isBareSpecifier(specifier) {
  return !/^(\.{1,2}\/|\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier);
}

/**
 * Resolves as node does from the importing file; a package that is not found there is looked
 * up next to the library, so DAG files anywhere use the packages installed with Kitelab (as
 * Airflow's DAG files use the scheduler's Python environment). The first error stands if both fail.
 */
async function resolveFromDagOrLibrary(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (!target || error?.code !== "ERR_MODULE_NOT_FOUND" || !isBareSpecifier(specifier)) throw error;
    try {
      return await nextResolve(specifier, { ...context, parentURL: target });
    } catch {
      throw error;
    }
  }
}

export async function resolve(specifier, context, nextResolve) {
  // Hand the target on to the next resolver (tsx's), so a .ts target is loaded as TypeScript.
  const resolved =
    specifier === "kitelab" && target
      ? await nextResolve(target, context)
      : await resolveFromDagOrLibrary(specifier, context, nextResolve);
  const file = userFile(resolved.url);
  if (!file) return resolved;
  const version = versionOf(context.parentURL);
  if (version && (specifier.startsWith("./") || specifier.startsWith("../")) && !file.searchParams.has("v"))
    file.searchParams.set("v", version);
  const typeScript = /\.tsx?$/.test(file.pathname);
  if (typeScript && (resolved.format === "commonjs" || resolved.format == null))
    return { ...resolved, url: file.href, format: "module" };
  return typeScript || file.href !== resolved.url ? { ...resolved, url: file.href } : resolved;
}
