/** A real `kitelab standalone` for the bench: started on a throwaway home, driven over its API, stopped. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../bin/kitelab.mjs", import.meta.url));

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  limitMs = 120_000,
  everyMs = 10,
): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) throw new Error(`bench: gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export interface Standalone {
  home: string;
  dags: string;
  url: string;
  pid: number;
  /** Milliseconds from spawn until the status page URL was printed. */
  startedMs: number;
  call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
  /** GET of a status page (HTML), resolving to its size. */
  page(path: string): Promise<number>;
  stop(): Promise<void>;
}

/** Starts `kitelab standalone --port 0` with the given DAG files in its dags folder, unpaused at creation. */
export async function startStandalone(
  dagFiles: Record<string, string> = {},
  env: Record<string, string> = {},
): Promise<Standalone> {
  const home = mkdtempSync(join(tmpdir(), "kitelab-bench-"));
  const dags = join(home, "dags");
  mkdirSync(dags);
  for (const [name, source] of Object.entries(dagFiles)) writeFileSync(join(dags, name), source);
  const started = Date.now();
  const child: ChildProcess = spawn(process.execPath, [BIN, "standalone", "--port", "0"], {
    env: {
      ...process.env,
      KITELAB_HOME: home,
      KITELAB__CORE__DAGS_FOLDER: dags,
      KITELAB__CORE__DAGS_ARE_PAUSED_AT_CREATION: "False",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const stop = async () => {
    child.kill("SIGTERM");
    await exited;
    rmSync(home, { recursive: true, force: true });
  };
  try {
    const url = await until("the status page URL", async () => /Status page:\s+(\S+)/.exec(output)?.[1]);
    const startedMs = Date.now() - started;
    const token = readFileSync(join(home, "api_token"), "utf8").trim();
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    return {
      home,
      dags,
      url,
      pid: child.pid!,
      startedMs,
      async call(method, path, body) {
        let response: Response;
        try {
          response = await fetch(`${url}api/v1${path}`, {
            method,
            headers,
            body: body === undefined ? undefined : JSON.stringify(body),
          });
        } catch (error) {
          throw new Error(
            `bench: ${method} ${path} failed (${(error as Error).message}: ${String((error as Error).cause ?? "")}); the standalone ${child.exitCode === null && child.signalCode === null ? "still runs" : `exited (${child.exitCode ?? child.signalCode})`}; its output ends:\n${output.slice(-4000)}`,
            { cause: error },
          );
        }
        const json = (await response.json()) as Record<string, unknown>;
        if (!response.ok)
          throw new Error(`bench: ${method} ${path} answered ${response.status}: ${JSON.stringify(json)}`);
        return json;
      },
      async page(path) {
        const response = await fetch(`${url}${path.replace(/^\//, "")}`, {
          headers: { authorization: headers.authorization, accept: "text/html" },
        });
        const text = await response.text();
        if (!response.ok) throw new Error(`bench: GET ${path} answered ${response.status}`);
        return text.length;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}; the standalone said:\n${output}`);
  }
}

/** Resident memory (MB) of a process and all its descendants, and how many they are, from /proc. */
export function treeRss(rootPid: number): { mb: number; processes: number } {
  const parents = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // ended meanwhile
    }
  }
  const tree = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, parent] of parents)
      if (tree.has(parent) && !tree.has(pid)) {
        tree.add(pid);
        grew = true;
      }
  }
  let kb = 0;
  for (const pid of tree) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // ended meanwhile
    }
  }
  return { mb: kb / 1024, processes: tree.size };
}

export function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}
