import { InternalError, StoreError } from "../errors.js";
import { mapSecretNamedStrings } from "../util/secrets.js";
import { isSealed } from "./secretBox.js";
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { Low } from "lowdb";
import { AtomicJsonFile, DAMAGED_ADVICE, temporaryFileWriter } from "./atomicJsonFile.js";
import {
  isMetaChange,
  isRunChange,
  applyMetaChange,
  applyRunChange,
  type MetaChange,
  type RunChange,
} from "./changes.js";
import { cutTornLine, journalLine, JournalWriter, readJournal } from "./journal.js";
import { migrate, SCHEMA_VERSION, type MetaFile, type RunFile } from "./schema.js";
import type { StorePersistence } from "./storePersistence.js";
import { emptyMeta } from "./storeCore.js";
import { isProcessAlive } from "../util/processes.js";
import { listQuarantine, quarantineFile, skippedFile, type DamagedStoreFile } from "./quarantine.js";

/** A journal longer than this many times its snapshot (and than the floor) is compacted. */
const COMPACT_RATIO = 2;
const COMPACT_FLOOR_BYTES = 256 * 1024;

/** One document on disk: a lowdb JSON snapshot and the journal of changes made since. */
interface Document<T extends object> {
  db: Low<T>;
  snapshot: AtomicJsonFile<T>;
  journal: JournalWriter;
  /** Sequence number of the latest change applied to the data in memory. */
  seq: number;
  snapshotBytes: number;
  /** Read from an older schema or not yet on disk: the next write is a whole snapshot. */
  needsSnapshot: boolean;
}

type AnyDocument = Document<MetaFile> | Document<RunFile>;

interface PendingWrite {
  lines: string[];
  snapshot: boolean;
  remove: boolean;
}

interface Batch {
  writes: Map<AnyDocument, PendingWrite>;
  done: Promise<void>;
  settle(error?: unknown): void;
}

export interface LoadedStore {
  meta: MetaFile;
  runs: RunFile[];
}

/**
 * The store on disk. `meta.json` (DAGs, statuses, import errors, heartbeat) and
 * `runs/<dag>/<run>.json` (a run, its task instances and XComs) are lowdb snapshots; the
 * changes made since each was written go to a journal beside it (`.jsonl`, one change per
 * line). Changes recorded in one turn of the event loop are written together: one append
 * and one fsync per journal touched, none of it blocking the event loop. A journal is
 * folded into its snapshot (written aside, fsynced, renamed into place) when its run
 * finishes, when it grows past twice the snapshot, and on close.
 */
export class FilePersistence implements StorePersistence {
  private meta?: Document<MetaFile>;
  private readonly runs = new Map<RunFile, Document<RunFile>>();
  private pending?: Batch;
  private tail: Promise<void> = Promise.resolve();
  private failure?: Error;
  /** Run files a reader could not read at its last load (the writer moves them aside instead). */
  private skipped: DamagedStoreFile[] = [];

  constructor(
    readonly dir: string,
    private readonly writer: boolean,
    /** Seals a run's secret-named `conf` values in its file, and opens them on reading; none: kept as they are. */
    private readonly box?: { seal(plain: string): string; open(sealed: string): string },
  ) {}

  /** A document's snapshot as written: a run's secret-named conf values sealed, like the Variables they often are. */
  private snapshotText(document: AnyDocument): string {
    const data = document.db.data as Partial<RunFile>;
    const box = this.box;
    const run =
      box && data.run?.conf
        ? {
            ...data.run,
            conf: mapSecretNamedStrings(data.run.conf, (plain) => (isSealed(plain) ? plain : box.seal(plain))),
          }
        : data.run;
    return JSON.stringify({
      ...document.db.data,
      ...(run ? { run } : {}),
      schemaVersion: SCHEMA_VERSION,
      journalSeq: document.seq,
    });
  }

  /** Reads every document (snapshot, then its journal's later changes). Start-up only: synchronous. */
  load(): LoadedStore {
    if (this.writer) this.removeOrphans();
    const metaPath = join(this.dir, "meta.json");
    let meta: Document<MetaFile> | undefined;
    try {
      meta = this.loadDocument<MetaFile>(metaPath, "meta", isMetaChange, applyMetaChange);
    } catch (error) {
      // Moving meta.json away alone does not start afresh (it is refused as missing): say what does.
      throw new StoreError((error as Error).message.replace(DAMAGED_ADVICE, META_ADVICE), { cause: error });
    }
    if (!meta) {
      this.refuseMissingMeta(metaPath);
      meta = this.newDocument(metaPath, emptyMeta());
      // A new store is a whole one from the start: readers find its meta.json.
      if (this.writer) {
        meta.snapshot.writeSync(meta.db.data);
        meta.needsSnapshot = false;
      }
    }
    this.meta = meta;
    this.runs.clear();
    this.skipped = [];
    const runsDir = join(this.dir, "runs");
    const now = new Date();
    for (const dagFolder of readdirSync(runsDir)) {
      const folder = join(runsDir, dagFolder);
      if (!statSync(folder).isDirectory()) continue;
      for (const name of readdirSync(folder)) {
        if (!name.endsWith(".json")) continue;
        const path = join(folder, name);
        try {
          const document = this.loadDocument<RunFile>(path, "run", isRunChange, applyRunChange);
          if (document) this.runs.set(document.db.data, document);
        } catch (error) {
          // One run's damage must not stop the scheduler or the CLI: the writer moves it aside, a reader skips it.
          const reason = reasonOf(error, path);
          if (this.writer) quarantineFile(this.dir, path, reason, now);
          else this.skipped.push(skippedFile(this.dir, path, reason));
        }
      }
    }
    return { meta: meta.db.data, runs: [...this.runs.keys()] };
  }

  /** Run files that could not be read: those set aside in `quarantine/`, and those a reader skipped. */
  damagedFiles(): DamagedStoreFile[] {
    return [...listQuarantine(this.dir), ...this.skipped];
  }

  /**
   * No meta.json is a fresh store only if nothing else is there either: with runs (or the
   * meta journal) present it was deleted or moved, and starting without it would forget
   * which DAGs were paused and how far each schedule got.
   */
  private refuseMissingMeta(metaPath: string): void {
    const runsDir = join(this.dir, "runs");
    const dags = readdirSync(runsDir).filter((name) => {
      const folder = join(runsDir, name);
      return statSync(folder).isDirectory() && readdirSync(folder).some((file) => /\.jsonl?$/.test(file));
    });
    const journal = existsSync(journalPathOf(metaPath));
    if (dags.length === 0 && !journal) return;
    const held =
      dags.length > 0
        ? `runs of ${dags.map((name) => `'${decodeURIComponent(name)}'`).join(", ")}`
        : "its journal (meta.jsonl)";
    throw new StoreError(
      `${metaPath} is missing, but the store holds ${held}: this is not a new store. ${META_ADVICE}`,
    );
  }

  private loadDocument<T extends object>(
    path: string,
    kind: "meta" | "run",
    isChange: (value: unknown) => boolean,
    apply: (data: T, change: never) => void,
  ): Document<T> | undefined {
    const journalPath = journalPathOf(path);
    // The journal first: a compaction between the two reads then leaves a newer snapshot, never a gap.
    const journal = readJournal(journalPath, isChange as (value: unknown) => value is never);
    const snapshot = new AtomicJsonFile<T>(path);
    const raw = snapshot.readSync() as Record<string, unknown> | null;
    if (!raw) return undefined;
    // Every meta.json Kitelab wrote names its schema version: one without (such as `{}`) is damage, not a new store.
    if (kind === "meta" && typeof raw.schemaVersion !== "number")
      throw new StoreError(`${path} has no schemaVersion, so Kitelab did not write it as it is. ${META_ADVICE}`);
    const version = typeof raw.schemaVersion === "number" ? raw.schemaVersion : 1;
    const data = migrate<T & { journalSeq?: number }>(raw, path, kind);
    let seq = data.journalSeq ?? 0;
    for (const entry of journal.entries) {
      if (entry.seq <= seq) continue;
      apply(data, entry.change);
      seq = entry.seq;
    }
    delete data.journalSeq;
    const run = (data as Partial<RunFile>).run;
    if (kind === "run" && run?.conf && this.box) {
      const box = this.box;
      run.conf = mapSecretNamedStrings(run.conf, (text) => box.open(text));
    }
    if (this.writer && journal.torn) cutTornLine(journalPath, journal.wholeBytes);
    return {
      db: new Low(snapshot, data),
      snapshot,
      journal: new JournalWriter(journalPath, journal.wholeBytes),
      seq,
      snapshotBytes: statSync(path).size,
      needsSnapshot: version < SCHEMA_VERSION,
    };
  }

  private newDocument<T extends object>(path: string, data: T): Document<T> {
    const snapshot = new AtomicJsonFile<T>(path);
    return {
      db: new Low(snapshot, data),
      snapshot,
      journal: new JournalWriter(journalPathOf(path)),
      seq: 0,
      snapshotBytes: 0,
      needsSnapshot: true,
    };
  }

  /**
   * A process killed while writing leaves its temporary file (`<file>.json.<pid>.tmp`) behind,
   * and a run deleted halfway its journal: the writer removes them, so crashes do not pile them up.
   */
  private removeOrphans(): void {
    const runsDir = join(this.dir, "runs");
    const folders = [
      this.dir,
      ...readdirSync(runsDir)
        .map((name) => join(runsDir, name))
        .filter((folder) => statSync(folder).isDirectory()),
    ];
    for (const folder of folders) {
      for (const name of readdirSync(folder)) {
        const pid = temporaryFileWriter(name);
        if (pid !== undefined && !isProcessAlive(pid)) rmSync(join(folder, name), { force: true });
        if (name.endsWith(".jsonl") && !existsSync(join(folder, name.slice(0, -1))))
          rmSync(join(folder, name), { force: true });
      }
    }
  }

  createRun(file: RunFile): Promise<void> {
    const path = join(
      this.dir,
      "runs",
      encodeURIComponent(file.run.dagId),
      `${encodeURIComponent(file.run.runId)}.json`,
    );
    const document = this.newDocument(path, file);
    this.runs.set(file, document);
    return this.stage(document, (write) => (write.snapshot = true));
  }

  recordRun(file: RunFile, change: RunChange): Promise<void> {
    const document = this.runs.get(file);
    if (!document)
      throw new InternalError(`the store has no file for run '${file.run.runId}' of DAG '${file.run.dagId}'`);
    const finished = file.run.state === "success" || file.run.state === "failed";
    return this.record(document, change, finished);
  }

  recordMeta(_file: MetaFile, change: MetaChange): Promise<void> {
    return this.record(this.meta!, change, false);
  }

  deleteRun(file: RunFile): Promise<void> {
    const document = this.runs.get(file);
    if (!document) return Promise.resolve();
    this.runs.delete(file);
    return this.stage(document, (write) => (write.remove = true));
  }

  private record(document: AnyDocument, change: unknown, compact: boolean): Promise<void> {
    document.seq += 1;
    const line = journalLine({ seq: document.seq, change });
    return this.stage(document, (write) => {
      write.lines.push(line);
      const journalBytes = document.journal.bytes + write.lines.reduce((sum, text) => sum + text.length, 0);
      if (
        compact ||
        document.needsSnapshot ||
        journalBytes > Math.max(COMPACT_FLOOR_BYTES, COMPACT_RATIO * document.snapshotBytes)
      )
        write.snapshot = true;
    });
  }

  private stage(document: AnyDocument, change: (write: PendingWrite) => void): Promise<void> {
    if (!this.writer)
      throw new InternalError("this store was opened read-only; only the scheduler writes runs and DAGs");
    if (this.failure) throw this.failure;
    if (!this.pending) {
      let settle!: (error?: unknown) => void;
      const done = new Promise<void>(
        (resolve, reject) => (settle = (error) => (error === undefined ? resolve() : reject(error))),
      );
      // Callers that do not wait for durability (the scheduler commits once per turn) must not
      // turn a failed write into an unhandled rejection; commit() still reports it.
      done.catch(() => undefined);
      this.pending = { writes: new Map(), done, settle };
      setImmediate(() => void this.commit());
    }
    const writes = this.pending.writes;
    let write = writes.get(document);
    if (!write) writes.set(document, (write = { lines: [], snapshot: false, remove: false }));
    change(write);
    return this.pending.done;
  }

  commit(): Promise<void> {
    const batch = this.pending;
    if (!batch) return this.tail;
    this.pending = undefined;
    const written = this.tail.then(() => this.write(batch));
    written.then(
      () => batch.settle(),
      (error: unknown) => {
        this.failure ??= new StoreError(
          `the store could not write to ${this.dir} (${(error as Error).message}); restart the scheduler once the disk is writable`,
          { cause: error },
        );
        batch.settle(this.failure);
      },
    );
    this.tail = batch.done;
    return batch.done;
  }

  /** Writes one batch: every journal touched gets one append and one fsync, all at once. */
  private async write(batch: Batch): Promise<void> {
    if (this.failure) throw this.failure;
    const work: Array<Promise<void>> = [];
    for (const [document, write] of batch.writes) {
      if (write.remove) {
        work.push(document.journal.remove().then(() => rm(document.snapshot.path, { force: true })));
      } else if (write.snapshot) {
        // Taken now, with every change made so far: lines of later batches repeat what it holds and are skipped on reading.
        work.push(this.compact(document, this.snapshotText(document)));
      } else if (write.lines.length > 0) {
        work.push(document.journal.append(write.lines.join("")));
      }
    }
    await Promise.all(work);
  }

  private async compact(document: AnyDocument, text: string): Promise<void> {
    await document.snapshot.writeText(text);
    document.snapshotBytes = Buffer.byteLength(text);
    document.needsSnapshot = false;
    await document.journal.remove();
  }

  /** Writes what is pending, folds every journal into its snapshot, and lets go of the files. */
  async close(): Promise<void> {
    if (!this.writer) return;
    await this.commit();
    const documents: AnyDocument[] = [this.meta!, ...this.runs.values()];
    await Promise.all(
      documents
        .filter((document) => document.journal.bytes > 0)
        .map((document) => this.compact(document, this.snapshotText(document))),
    );
    await Promise.all(documents.map((document) => document.journal.close()));
  }
}

/** What to do about a missing or damaged meta.json: it cannot be rebuilt from the rest. */
const META_ADVICE =
  "It held the DAG list, each DAG's paused flag and how far each schedule got. Restore it from a backup; or, to start afresh, move the whole store folder ([database] store_path) away (the old runs stay there to read)";

/** Why a file could not be read, without its path (reported beside it) or the general advice. */
function reasonOf(error: unknown, path: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return (
    message
      .replace(`. ${DAMAGED_ADVICE}`, "")
      .replaceAll(`${path}l: `, "journal: ")
      .replaceAll(`${path}: `, "")
      .replaceAll(`${path} `, "")
      .replaceAll(path, "the file")
      .trim() || "unreadable"
  );
}

function journalPathOf(snapshotPath: string): string {
  return `${snapshotPath}l`;
}
