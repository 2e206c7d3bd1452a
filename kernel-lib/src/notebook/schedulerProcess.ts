import { execFile, spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runningScheduler } from "../scheduler/endpoint.js";
import { resolveHome } from "../config/index.js";
import { describeValue, KitelabError, ValidationError } from "../errors.js";
import { SchedulerClient, type ConnectOptions } from "./client.js";
import { stopScheduler } from "./schedulerStop.js";
import { escapeHtml, show } from "./display.js";
import { summarized } from "./views.js";
import { parseClockSpec } from "../clock/clock.js";

export interface StartSchedulerOptions extends Omit<ConnectOptions, "url"> {
  /** The status page's port; 0 picks a free one. @default 0 */
  port?: number;
  /** How long the scheduler may take to answer `/health`. @default 60000 */
  timeoutMs?: number;
  /** The `kitelab` command as program and arguments. @default see {@link kitelabCommand} */
  command?: readonly string[];
  /**
   * A teaching clock (`kitelab standalone --clock`): `"accelerated:3600"` (one real second
   * is an hour of scheduler time) or `"manual"` (moved by `advanceClock("1d")`), each
   * optionally `@START` such as `"manual@2024-01-01"`.
   * @default "real"
   */
  clock?: string;
}

export interface KitelabCliOptions {
  /** The Kitelab home the command works on. @default $KITELAB_HOME, else ~/kitelab */
  home?: string;
  /** Return the output without showing it. @default false */
  quiet?: boolean;
  /** Throw when the command exits with a non-zero code. @default true */
  check?: boolean;
  /** The `kitelab` command as program and arguments. @default see {@link kitelabCommand} */
  command?: readonly string[];
}

export interface KitelabCliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * The `kitelab` command as `[program, ...arguments]`: this checkout's CLI when
 * `$KITELAB_REPO` names one (the Kitelab kernel sets it), else the CLI of the library
 * this code was loaded from, run by the current Node.
 */
export function kitelabCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  const repo = env.KITELAB_REPO;
  if (repo) {
    const bin = join(repo, "kernel-lib", "bin", "kitelab.mjs");
    if (existsSync(bin)) return [process.execPath, bin];
  }
  const own = fileURLToPath(new URL("../../bin/kitelab.mjs", import.meta.url));
  if (existsSync(own)) return [process.execPath, own];
  return ["kitelab"];
}

/**
 * Starts `kitelab standalone` (scheduler, workers, status page) in the background, detached
 * from the notebook's kernel so it keeps running when the kernel restarts, and returns a
 * client once it answers `/health`. When a scheduler already runs for this home, connects
 * to it instead. Its output goes to `$KITELAB_HOME/standalone.log`.
 * @example const kitelab = await startScheduler();
 */
export async function startScheduler(options: StartSchedulerOptions = {}): Promise<SchedulerClient> {
  const home = options.home ?? resolveHome(process.env);
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ValidationError(
      `Expected \`port\` to be an integer from 0 to 65535 (0 picks a free one), got ${describeValue(options.port)}`,
    );
  }
  const timeoutMs = options.timeoutMs ?? 60_000;
  const client = new SchedulerClient({ ...options, home });
  if (options.clock !== undefined) {
    const parsed = typeof options.clock === "string" ? parseClockSpec(options.clock) : undefined;
    if (!parsed?.ok)
      throw new ValidationError(
        `Expected \`clock\` to be "real", "accelerated:FACTOR" or "manual" (optionally @START), got ${describeValue(options.clock)}${parsed && !parsed.ok ? `: ${parsed.error}` : ""}`,
      );
  }
  const existing = runningScheduler(home);
  if (existing && options.clock !== undefined) {
    const running = await client.request<{ mode: string }>("GET", "/clock");
    const wanted = options.clock.split(/[:@]/)[0];
    if (running.mode !== wanted) {
      throw new KitelabError(
        `A Kitelab scheduler already runs for ${home} (pid ${existing.pid}) on the ${running.mode} clock, not ${wanted}. Stop it first (\`await kitelab.stop()\`, or Ctrl-C where it runs), then start it again with clock "${options.clock}".`,
      );
    }
  }
  if (existing) {
    client.display({
      html: `<div style="font-size:13px">A Kitelab scheduler already runs for <code>${escapeHtml(home)}</code> (pid ${existing.pid}) at <a href="${escapeHtml(existing.url)}" target="_blank">${escapeHtml(existing.url)}</a>: using it.</div>`,
      text: `A Kitelab scheduler already runs for ${home} (pid ${existing.pid}) at ${existing.url}: using it.`,
    });
    return client;
  }
  const [program, ...args] = options.command ?? kitelabCommand();
  if (program === undefined) throw new ValidationError("Expected `command` to name a program, got an empty list");
  mkdirSync(home, { recursive: true });
  const logFile = join(home, "standalone.log");
  const out = openSync(logFile, "a");
  const started = Date.now();
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const clockArgs = options.clock !== undefined ? ["--clock", options.clock] : [];
  const child = spawn(program, [...args, "standalone", "--port", String(port), ...clockArgs], {
    detached: true,
    stdio: ["ignore", out, out],
    // Detached, so it survives a kernel restart; it stops with the kernel's parent (the Jupyter server).
    env: {
      ...process.env,
      KITELAB_HOME: home,
      KITELAB_STARTED_BY: "notebook",
      KITELAB_STOP_WITH_PID: String(process.ppid),
    },
  });
  closeSync(out);
  child.on("exit", (code, signal) => (exited = { code, signal }));
  child.on("error", (error) => (spawnError = error));
  child.unref();
  const pid = child.pid;
  for (;;) {
    if (spawnError)
      throw new KitelabError(`Could not start \`${[program, ...args].join(" ")} standalone\`: ${spawnError.message}`);
    if (exited) {
      throw new KitelabError(
        `\`kitelab standalone\` exited (${exited.code === null ? `signal ${exited.signal}` : `code ${exited.code}`}) before it was ready. Its output (${logFile}):\n${tail(logFile)}`,
      );
    }
    const endpoint = runningScheduler(home);
    if (endpoint && endpoint.pid === pid && (await healthy(endpoint.url))) {
      client.startedPid = pid;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      client.display({
        html: `<div style="font-size:13px">Started the Kitelab scheduler (pid ${pid}) in ${seconds} s: status page <a href="${escapeHtml(endpoint.url)}" target="_blank">${escapeHtml(endpoint.url)}</a>, home <code>${escapeHtml(home)}</code>, output in <code>${escapeHtml(logFile)}</code>.</div>`,
        text: `Started the Kitelab scheduler (pid ${pid}) in ${seconds} s: status page ${endpoint.url}, home ${home}, output in ${logFile}.`,
      });
      return client;
    }
    if (Date.now() - started > timeoutMs) {
      if (pid !== undefined) await stopScheduler(pid, home, 5000);
      throw new KitelabError(
        `The scheduler did not become healthy within ${timeoutMs / 1000} s, so it was stopped. Its output (${logFile}):\n${tail(logFile)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Runs a `kitelab` CLI command for the home (e.g. `["dags", "backfill", ...]`) and shows
 * what it printed. Throws with its error output when it fails, unless `check: false`.
 * @example await kitelabCli(["schedule", "preview", "--schedule", "0 5 * * 1", "--start-date", "2021-01-04"])
 */
export async function kitelabCli(args: readonly string[], options: KitelabCliOptions = {}): Promise<KitelabCliResult> {
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === "string")) {
    throw new ValidationError(
      `Expected the command's arguments as a list of strings, such as ["dags", "list"], got ${describeValue(args)}`,
    );
  }
  const home = options.home ?? resolveHome(process.env);
  const [program, ...base] = options.command ?? kitelabCommand();
  if (program === undefined) throw new ValidationError("Expected `command` to name a program, got an empty list");
  const result = await new Promise<KitelabCliResult>((resolve) => {
    execFile(
      program,
      [...base, ...args],
      { env: { ...process.env, KITELAB_HOME: home }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({
          exitCode: code,
          stdout,
          stderr: stderr || (error && typeof error.code !== "number" ? error.message : ""),
        });
      },
    );
  });
  const shown = `$ kitelab ${args.map(quote).join(" ")}\n${result.stdout}${result.stderr}`.trimEnd();
  if (!options.quiet) {
    show(
      `<pre style="background:#f6f8fa;padding:6px;font-size:12px;margin:2px 0;white-space:pre">${escapeHtml(shown)}</pre>`,
      shown,
    );
  }
  if (result.exitCode !== 0 && options.check !== false) {
    throw new KitelabError(
      `\`kitelab ${args.join(" ")}\` failed (exit ${result.exitCode}): ${result.stderr.trim() || result.stdout.trim()}`,
    );
  }
  return summarized(result, `${`kitelab ${args[0] ?? ""} ${args[1] ?? ""}`.trimEnd()}: exit ${result.exitCode}`);
}

async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url.replace(/\/+$/, "")}/health`, { headers: { accept: "application/json" } });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no output)";
  }
}

function quote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
