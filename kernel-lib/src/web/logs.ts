import { open } from "node:fs/promises";
import { isInside, taskLogPath } from "../runtime/logPaths.js";
import { HttpError } from "./problems.js";

/** A piece of a task's log file. */
export interface LogChunk {
  /** False when the attempt has not written a log (yet). */
  exists: boolean;
  content: string;
  /** Byte offset to ask for next, to follow a growing log. */
  nextOffset: number;
  /** Bytes left out at the start because the log is long. */
  skipped: number;
}

/** Largest piece one request returns; longer logs are shown from their tail. */
export const MAX_LOG_CHUNK_BYTES = 1024 * 1024;

/**
 * Reads attempt `tryNumber`'s log from byte `offset` (or, with `offset` undefined, the last
 * {@link MAX_LOG_CHUNK_BYTES} of it). The path is Airflow's layout under `logFolder` and must
 * stay inside it: a name that would leave the folder is refused with a 400.
 */
export async function readTaskLog(
  logFolder: string,
  ids: { dagId: string; runId: string; taskId: string; tryNumber: number },
  offset: number | undefined,
): Promise<LogChunk> {
  const path = taskLogPath(logFolder, ids.dagId, ids.runId, ids.taskId, ids.tryNumber);
  if (!isInside(logFolder, path)) throw new HttpError(400, "That log path would leave the log folder; it is refused.");
  let handle;
  try {
    handle = await open(path, "r");
  } catch {
    return { exists: false, content: "", nextOffset: 0, skipped: 0 };
  }
  try {
    const size = (await handle.stat()).size;
    let start = offset ?? Math.max(0, size - MAX_LOG_CHUNK_BYTES);
    if (start > size) start = size;
    const length = Math.min(MAX_LOG_CHUNK_BYTES, size - start);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, start);
    let bytes = buffer.subarray(0, completeUtf8Length(buffer.subarray(0, bytesRead)));
    let skipped = 0;
    if (offset === undefined && start > 0) {
      const newline = bytes.indexOf(0x0a);
      const cut = newline === -1 ? 0 : newline + 1;
      bytes = bytes.subarray(cut);
      skipped = start + cut;
      start += cut;
    }
    return { exists: true, content: bytes.toString("utf8"), nextOffset: start + bytes.length, skipped };
  } finally {
    await handle.close();
  }
}

/** Length of `bytes` without a trailing, incomplete UTF-8 sequence (the writer may be mid-character). */
function completeUtf8Length(bytes: Buffer): number {
  let index = bytes.length - 1;
  let continuation = 0;
  while (index >= 0 && (bytes[index]! & 0xc0) === 0x80 && continuation < 3) {
    index -= 1;
    continuation += 1;
  }
  if (index < 0) return bytes.length;
  const lead = bytes[index]!;
  const expected = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return expected > continuation + 1 ? index : bytes.length;
}
