import { register } from "node:module";

let registered = false;

/**
 * Makes `import "kitelab"` resolve to this copy of the library in this process, from any
 * file. Call once per process before importing DAG files (the CLI and workers do).
 */
export function registerKitelabResolver(): void {
  if (registered) return;
  registered = true;
  const entry = import.meta.url.endsWith(".ts") ? "../index.ts" : "../index.js";
  const target = new URL(entry, import.meta.url).href;
  // tsc does not copy the hook (plain .mjs) to dist/, so the compiled library uses the one in src/ (shipped too).
  const hook = import.meta.url.endsWith(".ts") ? "./resolveKitelab.mjs" : "../../src/loader/resolveKitelab.mjs";
  register(new URL(hook, import.meta.url).href, {
    parentURL: import.meta.url,
    data: { target },
  });
}
