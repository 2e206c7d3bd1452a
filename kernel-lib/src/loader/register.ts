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
  register(new URL("./resolveKitelab.mjs", import.meta.url).href, {
    parentURL: import.meta.url,
    data: { target },
  });
}
