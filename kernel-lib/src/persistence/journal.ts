import { StoreError } from "../errors.js";
import { readFileSync, truncateSync } from "node:fs";
import { open, rm, type FileHandle } from "node:fs/promises";
import { DAMAGED_ADVICE } from "./atomicJsonFile.js";

/** One journal line: the change's sequence number within its document, and the change. */
export interface JournalEntry<C> {
  seq: number;
  change: C;
}

export interface JournalContents<C> {
  entries: Array<JournalEntry<C>>;
  /** Bytes up to the end of the last whole line; a torn last line lies beyond. */
  wholeBytes: number;
  /** The file held a last line that a killed writer did not finish. */
  torn: boolean;
}

/**
 * Reads a journal (JSON lines). A missing file is empty. A last line without its newline,
 * or that does not parse, is a write the writer did not finish: it was never acknowledged,
 * so it is ignored. A bad line before the last is damage, and throws naming the file.
 */
export function readJournal<C>(path: string, isChange: (value: unknown) => value is C): JournalContents<C> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { entries: [], wholeBytes: 0, torn: false };
    throw error;
  }
  const entries: Array<JournalEntry<C>> = [];
  let offset = 0;
  let lineNumber = 0;
  while (offset < text.length) {
    lineNumber += 1;
    const end = text.indexOf("\n", offset);
    const line = end === -1 ? text.slice(offset) : text.slice(offset, end);
    const entry = parseEntry(line, isChange);
    const isLast = end === -1 || end === text.length - 1;
    if (end === -1 || !entry) {
      if (isLast) return { entries, wholeBytes: Buffer.byteLength(text.slice(0, offset)), torn: true };
      throw new StoreError(
        `${path}: line ${lineNumber} is not a Kitelab journal entry (${line.slice(0, 60)}…). ${DAMAGED_ADVICE}`,
      );
    }
    entries.push(entry);
    offset = end + 1;
  }
  return { entries, wholeBytes: Buffer.byteLength(text), torn: false };
}

function parseEntry<C>(line: string, isChange: (value: unknown) => value is C): JournalEntry<C> | undefined {
  try {
    const value = JSON.parse(line) as { seq?: unknown; change?: unknown };
    return typeof value.seq === "number" && isChange(value.change)
      ? { seq: value.seq, change: value.change }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Cuts a torn last line off, so the next append starts on a line of its own (the writer, at open). */
export function cutTornLine(path: string, wholeBytes: number): void {
  truncateSync(path, wholeBytes);
}

export function journalLine<C>(entry: JournalEntry<C>): string {
  return `${JSON.stringify(entry)}\n`;
}

/** The writer's end of one journal: appends a batch of lines with one write and one fsync. */
export class JournalWriter {
  private handle?: FileHandle;
  /** Bytes in the file, to decide when to compact. */
  bytes: number;

  constructor(
    readonly path: string,
    bytes = 0,
  ) {
    this.bytes = bytes;
  }

  async append(text: string): Promise<void> {
    this.handle ??= await open(this.path, "a", 0o600);
    const data = Buffer.from(text);
    let written = 0;
    while (written < data.length)
      written += (await this.handle.write(data, written, data.length - written)).bytesWritten;
    await this.handle.datasync();
    this.bytes += data.length;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  /** After a compaction: the snapshot holds every line, so the journal goes. */
  async remove(): Promise<void> {
    await this.close();
    await rm(this.path, { force: true });
    this.bytes = 0;
  }
}
