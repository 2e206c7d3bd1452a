import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The example DAGs shipped with the library (`load_examples = True`). */
export const EXAMPLES_FOLDER = fileURLToPath(new URL("../../examples/", import.meta.url));

/** DAG files (`.ts`, `.mts`, `.js`, `.mjs`) directly or recursively in a folder, sorted. */
export function listDagFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  const files: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) files.push(...listDagFiles(path));
    else if (/\.(m?ts|m?js)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) files.push(path);
  }
  return files.sort();
}
