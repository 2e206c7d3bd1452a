import { InternalError } from "../errors.js";
import { fork, type ChildProcess } from "node:child_process";
import { watch, type FSWatcher } from "node:fs";
import { stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { listDagFiles } from "./listFiles.js";
import { combineParses, type DagBagView } from "./dagBag.js";
import { childLoaderArgs } from "../loader/typescript.js";
import type { ParseReply, ParseResult } from "./parseProtocol.js";

export interface DagProcessorOptions {
  folders: readonly string[];
  /** Full rescan of the folders (`dag_dir_list_interval`), besides watching them. */
  listIntervalMs: number;
  /** How long one file may take to import (`dagbag_import_timeout`). */
  importTimeoutMs: number;
  /** Called after every batch of parses with the whole picture. */
  onChange: (view: DagBagView, changedFiles: string[]) => void;
}

const PARSE_MAIN = fileURLToPath(
  new URL(import.meta.url.endsWith(".ts") ? "./parseMain.ts" : "./parseMain.js", import.meta.url),
);

/**
 * Finds DAG files (scan on an interval AND file watching, so a new file is seen within
 * about a second), parses the changed ones in a child process with a timeout, and reports
 * the DAGs and import errors. Unchanged files are not re-parsed.
 */
export class DagProcessor {
  private readonly versions = new Map<string, string>();
  private readonly parses = new Map<string, ParseResult>();
  private watchers: FSWatcher[] = [];
  private timer?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private rescanRequested = false;
  private stopped = false;

  constructor(private readonly options: DagProcessorOptions) {}

  /** Scans and parses everything once, then keeps watching. */
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
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    for (const watcher of this.watchers) watcher.close();
    await this.running;
  }

  /** Scan now (also what a watch event triggers, debounced). */
  requestScan(): void {
    if (this.stopped) return;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.rescanRequested = true;
      this.running = this.running.then(() => (this.rescanRequested ? this.scan() : undefined));
    }, 50);
  }

  /** One pass: find files, parse the new and changed ones, forget the deleted ones. */
  async scan(): Promise<void> {
    this.rescanRequested = false;
    const files = this.options.folders.flatMap((folder) => listDagFiles(folder));
    const changed: string[] = [];
    const present = new Set(files);
    for (const file of files) {
      try {
        const info = await stat(file);
        const version = `${info.mtimeMs}:${info.size}`;
        if (this.versions.get(file) !== version) {
          this.versions.set(file, version);
          changed.push(file);
        }
      } catch {
        present.delete(file);
      }
    }
    const removed = [...this.versions.keys()].filter((file) => !present.has(file));
    for (const file of removed) {
      this.versions.delete(file);
      this.parses.delete(file);
    }
    if (changed.length === 0 && removed.length === 0) return;
    const results = await parseFiles(changed, this.options.importTimeoutMs);
    for (const [file, result] of results) this.parses.set(file, result);
    if (!this.stopped) this.options.onChange(combineParses(this.parses), [...changed, ...removed]);
  }
}

/** Parses files one after another in a child process, replacing it when a file hangs or kills it. */
export async function parseFiles(files: readonly string[], timeoutMs: number): Promise<Map<string, ParseResult>> {
  const results = new Map<string, ParseResult>();
  let child: ChildProcess | undefined;
  const spawnChild = () =>
    new Promise<ChildProcess>((resolve, reject) => {
      const process = fork(PARSE_MAIN, [], {
        execArgv: childLoaderArgs(),
        stdio: ["ignore", "ignore", "ignore", "ipc"],
        serialization: "json",
      });
      process.once("message", (message: ParseReply) =>
        message.type === "ready" ? resolve(process) : reject(new InternalError("parser did not start")),
      );
      process.once("error", reject);
    });
  try {
    for (const file of files) {
      child ??= await spawnChild();
      const current = child;
      const result = await new Promise<ParseResult>((resolve) => {
        const timer = setTimeout(() => {
          cleanup();
          current.kill("SIGKILL");
          child = undefined;
          resolve({
            ok: false,
            error: {
              name: "ImportTimeout",
              message: `importing this file took longer than ${timeoutMs / 1000}s ([core] dagbag_import_timeout); does it run a long loop, sleep or fetch data at import time? Move that work into a task`,
            },
          });
        }, timeoutMs);
        const onMessage = (message: ParseReply) => {
          if (message.type === "parsed" && message.file === file) {
            cleanup();
            resolve(message.result);
          }
        };
        const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
          cleanup();
          child = undefined;
          resolve({
            ok: false,
            error: {
              name: "ImportCrashed",
              message: `the file ended the process while being imported (${signal ?? `exit code ${code}`}); do not call process.exit in a DAG file`,
            },
          });
        };
        const cleanup = () => {
          clearTimeout(timer);
          current.off("message", onMessage);
          current.off("exit", onExit);
        };
        current.on("message", onMessage);
        current.on("exit", onExit);
        current.send({ type: "parse", file });
      });
      results.set(file, result);
    }
  } finally {
    child?.kill("SIGKILL");
  }
  return results;
}
