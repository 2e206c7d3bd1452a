import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ValidationError, describeValue } from "../errors.js";
import { KITELAB_HEADERS } from "./compose.js";
import { addressesIn, headerValue, parseMail } from "./mime.js";

/**
 * - `written`: no mail server is configured; the outbox copy is the delivery.
 * - `unsent`: kept instead of sent (the queue was full, or Kitelab stopped first); see `reason`.
 * - `failed`: the mail server refused it or could not be reached after every retry; see `reason`.
 */
export type OutboxStatus = "written" | "unsent" | "failed";

/** One message in the outbox, for the status page's "Outbox" list. */
export interface OutboxEntry {
  /** The file name without `.eml`; sortable by time. Pass it to readOutboxMessage. */
  id: string;
  subject: string;
  /** Every recipient: To, Cc and Bcc. */
  to: string[];
  /** ISO-8601, from the Date header. */
  date: string;
  status: OutboxStatus;
  reason?: string;
  /** task-alert, run-summary or email-operator */
  kind?: string;
}

export function outboxDir(home: string): string {
  return join(home, "outbox");
}

export function failedDir(home: string): string {
  return join(outboxDir(home), "failed");
}

let sequence = 0;

/** `20240101T102030123Z-000001-9f3a1c`: time first, so names sort as messages were written. */
export function newMessageId(now: Date): string {
  sequence = (sequence + 1) % 1_000_000;
  const stamp = now.toISOString().replace(/[-:.]/g, "");
  return `${stamp}-${String(sequence).padStart(6, "0")}-${randomBytes(3).toString("hex")}`;
}

/**
 * Writes a message atomically (a temporary file renamed into place), so a reader never sees
 * half a message. Failed mail goes to `outbox/failed/`.
 */
export async function writeToOutbox(
  home: string,
  raw: Buffer,
  options: { failed?: boolean; now?: Date } = {},
): Promise<{ id: string; path: string }> {
  const folder = options.failed ? failedDir(home) : outboxDir(home);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  await chmod(folder, 0o700);
  const id = newMessageId(options.now ?? new Date());
  const path = join(folder, `${id}.eml`);
  const temporary = join(folder, `.${id}.eml.tmp`);
  try {
    await writeFile(temporary, raw, { flag: "wx", mode: 0o600 });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return { id, path };
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,199}$/;
const HEAD_BYTES = 16 * 1024;

/** Every message in the outbox and `outbox/failed/`, newest first. A missing outbox is empty. */
export async function listOutbox(home: string): Promise<OutboxEntry[]> {
  const entries: OutboxEntry[] = [];
  for (const [folder, failed] of [
    [outboxDir(home), false],
    [failedDir(home), true],
  ] as const) {
    for (const name of await namesIn(folder)) {
      const head = await readHead(join(folder, name));
      if (head !== undefined) entries.push(await entryOf(name.slice(0, -4), head, failed));
    }
  }
  return entries.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/**
 * The raw `.eml` text of one message, or undefined when there is none with this id.
 * Ids are file names from listOutbox: anything else (`../`, slashes) is refused.
 */
export async function readOutboxMessage(home: string, id: string): Promise<string | undefined> {
  if (typeof id !== "string" || !ID_PATTERN.test(id)) {
    throw new ValidationError(
      `Expected an outbox message id such as "20240101T102030123Z-000001-9f3a1c", got ${describeValue(id)}`,
    );
  }
  for (const folder of [outboxDir(home), failedDir(home)]) {
    try {
      return await readFile(join(folder, `${id}.eml`), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  return undefined;
}

async function namesIn(folder: string): Promise<string[]> {
  try {
    return (await readdir(folder, { withFileTypes: true }))
      .filter((entry) => entry.isFile() && entry.name.endsWith(".eml") && ID_PATTERN.test(entry.name.slice(0, -4)))
      .map((entry) => entry.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

async function readHead(path: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    const text = buffer.subarray(0, bytesRead).toString("utf8");
    const end = /\r?\n\r?\n/.exec(text);
    return end ? text.slice(0, end.index) : text;
  } finally {
    await handle.close();
  }
}

async function entryOf(id: string, head: string, failed: boolean): Promise<OutboxEntry> {
  const mail = await parseMail(`${head}\r\n\r\n`);
  const headers = { get: (name: string) => headerValue(mail, name) };
  const date = Date.parse(headers.get("date") ?? "");
  const reason = headers.get(KITELAB_HEADERS.reason.toLowerCase());
  const stated = headers.get(KITELAB_HEADERS.status.toLowerCase());
  const status: OutboxStatus = failed ? "failed" : stated === "unsent" ? "unsent" : "written";
  const entry: OutboxEntry = {
    id,
    subject: headers.get("subject") ?? "",
    to: [...addressesIn(headers.get("to")), ...addressesIn(headers.get("cc")), ...addressesIn(headers.get("bcc"))],
    date: Number.isNaN(date) ? "" : new Date(date).toISOString(),
    status,
  };
  if (reason) entry.reason = reason;
  const kind = headers.get(KITELAB_HEADERS.kind.toLowerCase());
  if (kind) entry.kind = kind;
  return entry;
}
