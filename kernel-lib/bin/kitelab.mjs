#!/usr/bin/env node
// Runs the CLI from the compiled library (kernel-lib/dist, built by `npm run setup`), so a
// command starts as fast as plain JavaScript; tsx is loaded only to import a .ts DAG file
// (src/loader/typescript.ts). When dist/ is missing or older than a source file (someone
// edited src/ since the last setup), it runs the sources through tsx instead.
import { readdirSync, statSync } from "node:fs";

const root = new URL("../", import.meta.url);

function compiledIsCurrent() {
  let built;
  try {
    built = statSync(new URL("dist/.kitelab-setup-build.sha256", root)).mtimeMs;
  } catch {
    return false;
  }
  const sources = new URL("src/", root);
  for (const entry of readdirSync(sources, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && statSync(`${entry.parentPath ?? entry.path}/${entry.name}`).mtimeMs > built) return false;
  }
  return true;
}

let main;
if (compiledIsCurrent()) {
  ({ main } = await import(new URL("dist/cli/main.js", root).href));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import(new URL("src/cli/main.ts", root).href));
}
process.exitCode = await main(process.argv);
