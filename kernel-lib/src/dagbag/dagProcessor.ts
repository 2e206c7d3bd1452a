import { watch, type FSWatcher } from "node:fs";
import { stat } from "node:fs/promises";
import { listDagFiles } from "./listFiles.js";
import { combineParses, type DagBagView } from "./dagBag.js";
import type { ParseResult } from "./parseProtocol.js";
import { ParsePool, parsingProcessesOf } from "./parsePool.js";

export interface DagProcessorOptions {
  folders: readonly string[];
  /** Full rescan of the folders (`dag_dir_list_interval`), besides watching them. */
  listIntervalMs: number;
  /** How long one file may take to import (`dagbag_import_timeout`). */
  importTimeoutMs: number;
  /** Files parsed at once (`[scheduler] parsing_processes`; 0: one per core, at least 2). @default 0 */
  parsingProcesses?: number;
  /** Memory one parsing child may hold (`[core] dag_parsing_memory_limit_mb`). @default no cap */
  memoryLimitMb?: number;
  /**
   * How long start() waits for a file of the first scan that is still importing: past it, a
   * slow or hanging file no longer holds the start; its DAGs (or its import error) come later.
   * @default 5000, or importTimeoutMs if shorter
   */
  startWaitMs?: number;
  /** Called as parses finish (those finishing together at once) with the whole picture. */
  onChange: (view: DagBagView, changedFiles: string[]) => void;
}

/**
 * Finds DAG files (scan on an interval AND file watching, so a new file is seen within
 * about a second), parses the changed ones in child processes, several at once, each with
 * a timeout, and reports the DAGs and import errors as each file finishes: a file that
 * hangs at import holds one child, never the other files, later scans or the start.
 * Unchanged files are not re-parsed.
 */
export class DagProcessor {
  /** The version (mtime:size) of every known file, as last queued for parsing. */
  private readonly versions = new Map<string, string>();
  private readonly parses = new Map<string, ParseResult>();
  private readonly pool: ParsePool;
  /** Files whose parse has not finished, with when their import began (undefined: waiting for a child). */
  private readonly pending = new Map<string, number | undefined>();
  /** Files (and deletions) reported in the next onChange. */
  private readonly unreported = new Set<string>();
  private readonly parsing = new Set<Promise<void>>();
  private readonly pendingListeners = new Set<() => void>();
  private flushQueued = false;
  /** Until the first scan settles, results are reported together: DAGs of files not parsed yet are not dropped meanwhile. */
  private holding = true;
  private watchers: FSWatcher[] = [];
  private timer?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;
  private scanning: Promise<void> = Promise.resolve();
  private rescanRequested = false;
  private stopped = false;

  constructor(private readonly options: DagProcessorOptions) {
    this.pool = new ParsePool({
      processes: parsingProcessesOf(options.parsingProcesses ?? 0),
      timeoutMs: options.importTimeoutMs,
      memoryLimitMb: options.memoryLimitMb,
    });
  }

  /**
   * Scans once and waits for that scan's files, but not for one that is still importing
   * after `startWaitMs`; then keeps watching. Files parse in parallel either way.
   */
  async start(): Promise<void> {
    await this.scan();
    for (const folder of this.options.folders) {
      try {
        this.watchers.push(watch(folder, { recursive: true }, () => this.requestScan()));
      } catch {
        // A folder that does not exist yet is picked up by the periodic scan.
      }
    }
    this.timer = setInterval(() => this.requestScan(), this.options.listIntervalMs);
    this.timer.unref();
    await this.settled(this.options.startWaitMs ?? Math.min(5000, this.options.importTimeoutMs));
    this.holding = false;
    this.flush();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    for (const watcher of this.watchers) watcher.close();
    await this.scanning;
    this.pool.close();
    await Promise.all(this.parsing);
  }

  /** Scan now (also what a watch event triggers, debounced). */
  requestScan(): void {
    if (this.stopped) return;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.rescanRequested = true;
      this.scanning = this.scanning.then(() => (this.rescanRequested ? this.scan() : undefined));
    }, 50);
  }

  /**
   * One pass: find files, queue the new and changed ones for parsing, forget the deleted
   * ones. Returns once they are queued: their results are reported as they finish.
   */
  async scan(): Promise<void> {
    this.rescanRequested = false;
    const files = this.options.folders.flatMap((folder) => listDagFiles(folder));
    const present = new Set(files);
    for (const file of files) {
      try {
        const info = await stat(file);
        const version = `${info.mtimeMs}:${info.size}`;
        if (this.versions.get(file) !== version) {
          this.versions.set(file, version);
          this.queueParse(file, version);
        }
      } catch {
        present.delete(file);
      }
    }
    for (const file of [...this.versions.keys()].filter((known) => !present.has(known))) {
      this.versions.delete(file);
      this.pending.delete(file);
      if (this.parses.delete(file)) this.report(file);
    }
    this.notifyPending();
  }

  /** Resolves when no file waits for a child and every import going on began `waitMs` ago or more. */
  private settled(waitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.stopped) return done();
        const now = Date.now();
        const holding = [...this.pending.values()].filter((began) => began === undefined || now - began < waitMs);
        if (holding.length === 0) return done();
        const nextLapse = Math.min(...holding.map((began) => (began === undefined ? waitMs : began + waitMs - now)));
        clearTimeout(timer);
        timer = setTimeout(check, Math.max(1, nextLapse));
      };
      const done = () => {
        clearTimeout(timer);
        this.pendingListeners.delete(check);
        resolve();
      };
      let timer: NodeJS.Timeout | undefined;
      this.pendingListeners.add(check);
      check();
    });
  }

  private notifyPending(): void {
    for (const listener of [...this.pendingListeners]) listener();
  }

  private queueParse(file: string, version: string): void {
    // A file changed while its older version is still importing: both run; only the newest counts.
    this.pending.set(file, undefined);
    const parsing = this.pool
      .parse(file, () => {
        if (this.versions.get(file) === version) this.pending.set(file, Date.now());
        this.notifyPending();
      })
      .then((result) => {
        if (this.stopped || this.versions.get(file) !== version) return;
        this.pending.delete(file);
        this.parses.set(file, result);
        this.report(file);
        this.notifyPending();
      });
    this.parsing.add(parsing);
    void parsing.finally(() => this.parsing.delete(parsing));
  }

  /** Reports changes in one onChange per turn of the event loop, so files finishing together come together. */
  private report(file: string): void {
    this.unreported.add(file);
    if (this.flushQueued || this.holding) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.stopped || this.holding || this.unreported.size === 0) return;
    const changed = [...this.unreported];
    this.unreported.clear();
    this.options.onChange(combineParses(this.parses), changed);
  }
}

/** Parses files in parallel child processes (see ParsePool) and returns every result. */
export async function parseFiles(
  files: readonly string[],
  timeoutMs: number,
  options: { parsingProcesses?: number; memoryLimitMb?: number } = {},
): Promise<Map<string, ParseResult>> {
  const pool = new ParsePool({
    processes: parsingProcessesOf(options.parsingProcesses ?? 0),
    timeoutMs,
    memoryLimitMb: options.memoryLimitMb,
  });
  try {
    const results = await Promise.all(files.map(async (file) => [file, await pool.parse(file)] as const));
    return new Map(results);
  } finally {
    pool.close();
  }
}
