/**
 * The local modules of a DAG file: the file itself and every file it imports by a relative
 * path, transitively (`./lib/train.ts`, `../shared/io.js`), as found on disk. Packages
 * (`kitelab`, `node:fs`, anything in node_modules) are not followed: they do not change
 * while a scheduler runs. Specifiers are read from the text, so one in a comment or a string
 * may add a file; that only makes the version below change a little more often.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["'](\.{1,2}\/[^"']*)["']/g;
const SOURCE_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs", ".json"];
/** TypeScript lets `./x.js` name `./x.ts`. */
const TS_FOR_JS: Record<string, string[]> = { ".js": [".ts", ".tsx"], ".mjs": [".mts"], ".cjs": [".cts"] };

/** The relative specifiers a module's text names. */
export function relativeSpecifiers(source: string): string[] {
  return [...source.matchAll(SPECIFIER)].map((match) => match[1]!);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The file a relative specifier names from `fromFile`, as Node or TypeScript would find it, if it exists. */
export function resolveLocal(fromFile: string, specifier: string): string | undefined {
  const base = resolve(dirname(fromFile), specifier);
  const extension = extname(base);
  const candidates = [
    base,
    ...(TS_FOR_JS[extension] ?? []).map((ts) => base.slice(0, -extension.length) + ts),
    ...SOURCE_EXTENSIONS.map((ext) => base + ext),
    ...SOURCE_EXTENSIONS.map((ext) => resolve(base, `index${ext}`)),
  ];
  return candidates.find((candidate) => !candidate.includes("/node_modules/") && isFile(candidate));
}

/** The entry file and every local module it imports, transitively, each once. */
export function localModuleFiles(entry: string): string[] {
  const found = new Set<string>([resolve(entry)]);
  const pending = [resolve(entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    let source: string;
    try {
      source = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const specifier of relativeSpecifiers(source)) {
      const target = resolveLocal(file, specifier);
      if (target && !found.has(target)) {
        found.add(target);
        pending.push(target);
      }
    }
  }
  return [...found];
}

/**
 * A version of a DAG file that changes when the file or any of its local modules changes
 * (size or modification time), or when one is added or removed: what a cache of imported
 * DAG files is keyed on. Undefined when the file does not exist.
 */
export function dagFileVersion(entry: string): string | undefined {
  if (!isFile(entry)) return undefined;
  const hash = createHash("sha256");
  for (const file of localModuleFiles(entry).sort()) {
    try {
      const stats = statSync(file);
      hash.update(`${file}\0${stats.mtimeMs}\0${stats.size}\n`);
    } catch {
      hash.update(`${file}\0gone\n`);
    }
  }
  return hash.digest("hex").slice(0, 16);
}
