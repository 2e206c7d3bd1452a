import { fileURLToPath } from "node:url";

const LIBRARY_ROOT = fileURLToPath(new URL("../", import.meta.url));

/**
 * The user file that is defining a DAG or task right now, read from the call stack,
 * so definition errors can name it (Airflow's `fileloc`).
 */
export function callerFile(): string | undefined {
  return fileOfStack(new Error().stack);
}

/**
 * The same, read only when asked: capturing a stack is cheap, formatting it (through the
 * TypeScript loader's source maps) is not, and a 10,000-task DAG file defines 10,000 tasks.
 */
export function callerFileLater(): () => string | undefined {
  const site = new Error();
  let file: string | undefined;
  let read = false;
  return () => {
    if (!read) {
      file = fileOfStack(site.stack);
      read = true;
    }
    return file;
  };
}

function fileOfStack(text: string | undefined): string | undefined {
  const stack = text?.split("\n").slice(1) ?? [];
  for (const frame of stack) {
    const match = /\(?((?:file:\/\/)?\/[^():]+):\d+:\d+\)?\s*$/.exec(frame.trim());
    if (!match) continue;
    const file = match[1]!.startsWith("file://") ? fileURLToPath(match[1]!) : match[1]!;
    if (file.startsWith(LIBRARY_ROOT) || file.includes("/node_modules/")) continue;
    if (file.startsWith("node:")) continue;
    return file;
  }
  return undefined;
}
