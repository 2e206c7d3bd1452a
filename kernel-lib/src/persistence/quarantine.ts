import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";

/** A store file Kitelab could not read, set aside (or, by a reader, only skipped) so the rest keeps working. */
export interface DamagedStoreFile {
  /** Where it was, relative to the store folder: `runs/<dag>/<run>.json`. */
  file: string;
  dagId?: string;
  runId?: string;
  /** Why it could not be read. */
  reason: string;
  /** Where the scheduler moved it (with its journal), relative to the store folder; undefined while only a reader has seen it. */
  movedTo?: string;
  at: string;
  /** What to do to get the run back (paths relative to the store folder: pages never show server paths). */
  restore: string;
}

const QUARANTINE = "quarantine";
const REASONS = "reasons.json";

/** The run's dag and run ids, from its path `runs/<dag>/<run>.json` (both URI-encoded on disk). */
function idsOf(file: string): { dagId?: string; runId?: string } {
  const parts = file.split(sep);
  if (parts.length !== 3 || parts[0] !== "runs") return {};
  try {
    return { dagId: decodeURIComponent(parts[1]!), runId: decodeURIComponent(parts[2]!.replace(/\.json$/, "")) };
  } catch {
    return {};
  }
}

function restoreAdvice(file: string, movedTo: string | undefined): string {
  return movedTo
    ? `stop the scheduler, repair ${movedTo} in the store folder ([database] store_path), and its .jsonl journal if there is one, then move them back to ${file}`
    : `the scheduler sets it aside in quarantine/ when it starts; to keep it where it is, repair ${file} in the store folder ([database] store_path) before then`;
}

/** A file a reader could not read: reported, left where it is for the scheduler to move. */
export function skippedFile(storeDir: string, path: string, reason: string): DamagedStoreFile {
  const file = relative(storeDir, path);
  return {
    file,
    ...idsOf(file),
    reason,
    at: new Date().toISOString(),
    restore: restoreAdvice(file, undefined),
  };
}

/**
 * Moves a damaged snapshot and its journal to `<store>/quarantine/<when>/<same path>`, and
 * records why in that folder's `reasons.json`, so the scheduler starts without it and the
 * file is kept for repair. Falls back to leaving it in place (still reported) when the
 * move fails.
 */
export function quarantineFile(storeDir: string, path: string, reason: string, when: Date): DamagedStoreFile {
  const skipped = skippedFile(storeDir, path, reason);
  const folder = join(storeDir, QUARANTINE, when.toISOString().replace(/:/g, "-"));
  const target = join(folder, skipped.file);
  try {
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    renameSync(path, target);
    if (existsSync(`${path}l`)) renameSync(`${path}l`, `${target}l`);
  } catch (error) {
    return { ...skipped, reason: `${reason}; it could not be moved aside (${(error as Error).message})` };
  }
  const movedTo = relative(storeDir, target);
  const moved: DamagedStoreFile = {
    ...skipped,
    movedTo,
    at: when.toISOString(),
    restore: restoreAdvice(skipped.file, movedTo),
  };
  const reasonsPath = join(folder, REASONS);
  const reasons = readReasons(reasonsPath);
  reasons[skipped.file] = { reason, at: moved.at };
  writeFileSync(reasonsPath, JSON.stringify(reasons, null, 2), { mode: 0o600 });
  return moved;
}

function readReasons(path: string): Record<string, { reason: string; at: string }> {
  try {
    const value = JSON.parse(readFileSync(path, "utf8")) as unknown;
    return typeof value === "object" && value !== null ? (value as Record<string, { reason: string; at: string }>) : {};
  } catch {
    return {};
  }
}

/** Every file set aside in this store and still in quarantine, oldest first. */
export function listQuarantine(storeDir: string): DamagedStoreFile[] {
  const root = join(storeDir, QUARANTINE);
  if (!existsSync(root)) return [];
  const found: DamagedStoreFile[] = [];
  for (const stamp of readdirSync(root).sort()) {
    const folder = join(root, stamp);
    if (!statSync(folder).isDirectory()) continue;
    const reasons = readReasons(join(folder, REASONS));
    for (const name of readdirSync(folder, { recursive: true }) as string[]) {
      if (!name.endsWith(".json") || name === REASONS) continue;
      const movedTo = relative(storeDir, join(folder, name));
      const note = reasons[name];
      found.push({
        file: name,
        ...idsOf(name),
        reason: note?.reason ?? "unreadable (no reason recorded)",
        movedTo,
        at: note?.at ?? statSync(join(folder, name)).mtime.toISOString(),
        restore: restoreAdvice(name, movedTo),
      });
    }
  }
  return found;
}

/** One line per damaged file, for the CLI and the scheduler's start-up output (which may show server paths). */
export function describeDamaged(file: DamagedStoreFile, storeDir: string): string {
  const what = file.runId !== undefined ? `run '${file.runId}' of DAG '${file.dagId}'` : file.file;
  return file.movedTo
    ? `${what} could not be read (${file.reason}) and was set aside in ${join(storeDir, file.movedTo)}; to restore it, ${file.restore}`
    : `${what} could not be read (${file.reason}) and is skipped; ${file.restore}`;
}
