import { fork, type ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { InternalError } from "../errors.js";
import { childLoaderArgs } from "../loader/typescript.js";
import { exitedForMemory, heapCapArgs, MEMORY_LIMIT_ENV } from "../util/memoryCap.js";
import type { ParseReply, ParseResult } from "./parseProtocol.js";

export interface ParsePoolOptions {
  /** Files parsed at once, each in its own child (`[scheduler] parsing_processes`; 0: one per core, at least 2). */
  processes: number;
  /** How long one file may take to import (`dagbag_import_timeout`). */
  timeoutMs: number;
  /** Memory one parsing child may hold, heap and Buffers (`[core] dag_parsing_memory_limit_mb`). */
  memoryLimitMb?: number;
}

const PARSE_MAIN = fileURLToPath(
  new URL(import.meta.url.endsWith(".ts") ? "./parseMain.ts" : "./parseMain.js", import.meta.url),
);

/** `[scheduler] parsing_processes`, with 0 meaning one per core (at least 2). */
export function parsingProcessesOf(configured: number): number {
  return configured > 0 ? configured : Math.max(2, availableParallelism());
}

/**
 * Parses DAG files in isolated child processes, up to `processes` at once: a file that
 * hangs, exits or runs out of memory holds one child until its timeout, never the others.
 * A child is reused for the next file unless its file ended or outlived it.
 */
export class ParsePool {
  private readonly idle: ChildProcess[] = [];
  private readonly busy = new Set<ChildProcess>();
  private readonly waiting: Array<() => void> = [];
  private active = 0;
  private closed = false;

  constructor(private readonly options: ParsePoolOptions) {}

  /** Parses one file when a child is free; `onStart` is called when its import begins. */
  async parse(file: string, onStart?: () => void): Promise<ParseResult> {
    await this.acquire();
    try {
      if (this.closed) return stopped();
      const child = this.idle.pop() ?? (await this.spawn());
      if (this.closed) {
        child.kill("SIGKILL");
        return stopped();
      }
      this.busy.add(child);
      onStart?.();
      const { result, reusable } = await this.parseIn(child, file);
      this.busy.delete(child);
      if (reusable && !this.closed) this.idle.push(child);
      else child.kill("SIGKILL");
      return result;
    } catch (error) {
      return { ok: false, error: { name: "ImportCrashed", message: `the parsing process failed: ${String(error)}` } };
    } finally {
      this.release();
    }
  }

  /** Ends every child; parses still going end as failed and should be ignored. */
  close(): void {
    this.closed = true;
    for (const child of [...this.idle, ...this.busy]) child.kill("SIGKILL");
    this.idle.length = 0;
    for (const wake of this.waiting.splice(0)) wake();
  }

  private acquire(): Promise<void> {
    if (this.active < this.options.processes || this.closed) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.active += 1;
        resolve();
      }),
    );
  }

  private release(): void {
    this.active -= 1;
    this.waiting.shift()?.();
  }

  private spawn(): Promise<ChildProcess> {
    const limit = this.options.memoryLimitMb;
    return new Promise<ChildProcess>((resolve, reject) => {
      const child = fork(PARSE_MAIN, [], {
        execArgv: [...childLoaderArgs(), ...(limit ? heapCapArgs(limit) : [])],
        stdio: ["ignore", "ignore", "ignore", "ipc"],
        serialization: "json",
        env: limit ? { ...process.env, [MEMORY_LIMIT_ENV]: String(limit) } : process.env,
      });
      child.once("message", (message: ParseReply) =>
        message.type === "ready" ? resolve(child) : reject(new InternalError("parser did not start")),
      );
      child.once("error", reject);
      child.once("exit", (code, signal) => reject(new InternalError(`parser exited at start (${signal ?? code})`)));
    });
  }

  private parseIn(child: ChildProcess, file: string): Promise<{ result: ParseResult; reusable: boolean }> {
    const { timeoutMs, memoryLimitMb } = this.options;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        cleanup();
        resolve({
          reusable: false,
          result: {
            ok: false,
            error: {
              name: "ImportTimeout",
              message: `importing this file took longer than ${timeoutMs / 1000}s ([core] dagbag_import_timeout); does it run a long loop, sleep or fetch data at import time? Move that work into a task`,
            },
          },
        });
      }, timeoutMs);
      const onMessage = (message: ParseReply) => {
        if (message.type !== "parsed" || message.file !== file) return;
        cleanup();
        resolve({ result: message.result, reusable: true });
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        cleanup();
        const overMemory = memoryLimitMb !== undefined && exitedForMemory(code, signal);
        resolve({
          reusable: false,
          result: {
            ok: false,
            error: overMemory
              ? {
                  name: "ImportOutOfMemory",
                  message: `importing this file used more than ${memoryLimitMb} MB of memory (heap and Buffers); load big data in a task, not at import time, or raise [core] dag_parsing_memory_limit_mb`,
                }
              : {
                  name: "ImportCrashed",
                  message: `the file ended the process while being imported (${signal ?? `exit code ${code}`}); do not call process.exit in a DAG file`,
                },
          },
        });
      };
      const cleanup = () => {
        clearTimeout(timer);
        child.off("message", onMessage);
        child.off("exit", onExit);
      };
      child.on("message", onMessage);
      child.on("exit", onExit);
      child.send({ type: "parse", file });
    });
  }
}

function stopped(): ParseResult {
  return {
    ok: false,
    error: { name: "ImportCancelled", message: "the DAG processor stopped before this file was parsed" },
  };
}
