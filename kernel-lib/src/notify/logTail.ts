import { open } from "node:fs/promises";
import { lastLines } from "./text.js";

const TAIL_BYTES = 64 * 1024;

/**
 * The last `count` lines of a task log, reading at most the file's last 64 KiB.
 * A missing file is not an error: the note says why there are no lines.
 */
export async function readLogTail(path: string | undefined, count = 20): Promise<{ lines: string[]; note: string }> {
  if (!path) return { lines: [], note: "no log file was recorded for this task" };
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    return {
      lines: [],
      note: `the log file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    };
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    let text = buffer.toString("utf8");
    if (length < size) text = text.slice(text.indexOf("\n") + 1);
    const lines = lastLines(text, count);
    return { lines, note: lines.length === 0 ? `the log file ${path} is empty` : "" };
  } finally {
    await handle.close();
  }
}
