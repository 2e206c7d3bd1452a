import { registerKitelabResolver } from "./register.js";

/** Running from the TypeScript sources means tsx already loads this very file. */
const RUNNING_FROM_SOURCE = import.meta.url.endsWith(".ts");

let loading: Promise<void> | undefined;

/**
 * Makes this process able to import TypeScript DAG files that `import "kitelab"`: tsx's
 * loader, then the resolver that maps "kitelab" to this copy of the library. Loaded on the
 * first DAG file only, so commands that import none (`--help`, `config`, `variables`)
 * start as fast as plain JavaScript.
 */
export function ensureTypeScriptLoader(): Promise<void> {
  loading ??= (async () => {
    // The library first, before any hook is registered: a DAG file's `import "kitelab"` then
    // finds it loaded, where otherwise each of its modules would be resolved and loaded through
    // the hooks' thread (seconds, not milliseconds, for the first DAG file of a process).
    await import(RUNNING_FROM_SOURCE ? "../index.ts" : "../index.js");
    if (!RUNNING_FROM_SOURCE) {
      const { register } = await import("tsx/esm/api");
      register();
    }
    registerKitelabResolver();
  })();
  return loading;
}

/** Whether a file needs the TypeScript loader to be imported. */
export function isTypeScriptFile(path: string): boolean {
  return /\.[cm]?tsx?$/.test(path);
}

/**
 * Node options for a child process whose entry point is a file of this library: from the
 * sources it needs tsx to start at all; from dist/ it loads tsx itself, at its first DAG file.
 */
export function childLoaderArgs(): string[] {
  return RUNNING_FROM_SOURCE ? ["--import", import.meta.resolve("tsx/esm")] : [];
}
