import type { Command } from "commander";
import { ConflictError } from "../../errors.js";
import { isAbsolute } from "node:path";
import { openSchedulerStore, openStoreReader } from "../../persistence/index.js";
import type { RunningStandalone, StandaloneOptions } from "../../scheduler/standalone.js";
import type { KitelabConfig } from "../../config/index.js";
import { ensureApiToken } from "../../scheduler/apiToken.js";
import { fileSharedSettings } from "../../persistence/sharedSettings.js";
import { StoreReadModel } from "../../scheduler/readModel.js";
import { schedulerSettingsOf } from "../../scheduler/settings.js";
import { version } from "../../version.js";
import { loadCliConfig } from "./config.js";
import { CliError } from "../output.js";
import { removeEndpoint, runningScheduler, writeEndpoint } from "../schedulerClient.js";
import { isProcessAlive } from "../../util/processes.js";
import { parseClockSpec } from "../../clock/clock.js";
import { storeExplainer } from "../../explain/index.js";
import { describeDamaged, type DamagedStoreFile } from "../../persistence/quarantine.js";
import { err, ok, type Result } from "../../errors.js";
import type { RestartReport } from "../../web/app.js";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

/** `kitelab scheduler`, `kitelab standalone`, `kitelab webserver`, `kitelab info`. */
export function registerSchedulerCommands(program: Command): void {
  program
    .command("standalone")
    .description("Run the scheduler, its workers and the status page in one process; Ctrl-C stops it")
    .option("--port <port>", "web server port (default: [webserver] web_server_port; 0 picks a free one)")
    .option("--host <host>", "address to listen on (default: [webserver] web_server_host, 127.0.0.1)")
    .option("--base-url <path>", "path prefix the pages are served under, e.g. /user/alice/kitelab/")
    .option(
      "--take-over-notebook-scheduler",
      "stop a scheduler that a notebook started for this home, and serve instead (the JupyterLab Launcher uses this)",
    )
    .option(
      "--clock <clock>",
      "for teaching: accelerated:FACTOR (accelerated:3600 makes one real second an hour) or manual (moved by `kitelab clock advance 1d`), optionally @START such as manual@2024-01-01",
      "real",
    )
    .action(
      async (
        options: { port?: string; host?: string; baseUrl?: string; takeOverNotebookScheduler?: boolean; clock: string },
        command: Command,
      ) => {
        const config = loadCliConfig(command);
        const port = parsePort(options.port ?? String(config.webserver.webServerPort));
        const host = options.host ?? config.webserver.webServerHost;
        const clock = parseClockSpec(options.clock);
        if (!clock.ok) throw new CliError(clock.error);
        if (options.takeOverNotebookScheduler) await takeOverNotebookScheduler(config.home);
        await runUntilSignal(
          config,
          { host, port, baseUrl: options.baseUrl ?? config.webserver.baseUrl ?? "/", web: true, clock: clock.value },
          true,
          () => reloadCliConfig(command),
        );
      },
    );

  program
    .command("scheduler")
    .description(
      "Run the scheduler and its workers (the status page too, on a free loopback port, for the CLI and notebooks)",
    )
    .action(async (_options: unknown, command: Command) => {
      const config = loadCliConfig(command);
      await runUntilSignal(config, { host: "127.0.0.1", port: 0, baseUrl: "/", web: true }, false, () =>
        reloadCliConfig(command),
      );
    });

  program
    .command("webserver")
    .description("Serve the status page and API from the store, read-only (state changes need a running scheduler)")
    .option("--port <port>")
    .option("--host <host>")
    .option("--base-url <path>")
    .action(async (options: { port?: string; host?: string; baseUrl?: string }, command: Command) => {
      const config = loadCliConfig(command);
      const store = openStoreReader(config);
      const refreshing = setInterval(() => store.refresh(), 1000);
      const { workerMonitorFor } = await import("../../scheduler/standalone.js");
      const workers = await workerMonitorFor(config);
      const refuse = async (): Promise<never> => {
        throw new ConflictError("kitelab webserver is read-only; start `kitelab scheduler` to trigger, pause or clear");
      };
      // The web server and the scheduler load only for the commands that run them, so `--help` stays quick.
      const { createApp } = await import("../../web/app.js");
      const app = createApp({
        read: new StoreReadModel(store, schedulerSettingsOf(config)),
        control: {
          trigger: refuse,
          setPaused: refuse,
          clear: refuse,
          setRunState: refuse,
          setTaskInstanceState: refuse,
          setNote: refuse,
        },
        shared: fileSharedSettings(store),
        explainer: storeExplainer(
          store,
          {
            settings: schedulerSettingsOf(config),
            heartbeatThresholdMs: config.scheduler.schedulerHealthCheckThreshold * 1000,
          },
          () => new Date(),
        ),
        baseUrl: options.baseUrl ?? config.webserver.baseUrl ?? "/",
        token: ensureApiToken(config),
        exposeReads: config.webserver.exposeReads,
        allowedHosts: config.webserver.allowedHosts
          .split(",")
          .map((host) => host.trim())
          .filter((host) => host !== ""),
        healthThresholdSeconds: config.scheduler.schedulerHealthCheckThreshold,
        logFolder: config.logging.baseLogFolder,
        statusDagId: config.webserver.statusDagId || undefined,
        workers,
      });
      const host = options.host ?? config.webserver.webServerHost;
      const port = parsePort(options.port ?? String(config.webserver.webServerPort));
      const server = app.listen(port, host, () =>
        process.stdout.write(`Kitelab status page (read-only) at http://${host}:${port}/\n`),
      );
      await waitForSignal();
      clearInterval(refreshing);
      await workers?.close();
      server.close();
      server.closeAllConnections();
    });

  program
    .command("info")
    .description("Versions, paths and the configuration in use")
    .option("--output <format>", "table or json", "table")
    .action((options: { output: string }, command: Command) => {
      const config = loadCliConfig(command);
      const endpoint = runningScheduler(config.home);
      const info = {
        kitelab_version: version,
        node_version: process.version,
        kitelab_home: config.home,
        config_file: config.fileExists ? config.path : `${config.path} (not written yet: defaults in use)`,
        dags_folder: config.core.dagsFolder,
        load_examples: config.core.loadExamples,
        executor: config.core.executor,
        parallelism: config.core.parallelism,
        store_path: config.database.storePath,
        base_log_folder: config.logging.baseLogFolder,
        scheduler: endpoint ? `running (pid ${endpoint.pid}) at ${endpoint.url}` : "not running",
        api_token: ensureApiToken(config),
        damaged_store_files: damagedStoreFiles(config),
      };
      if (options.output === "json") process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
      else {
        const { damaged_store_files: damaged, ...rest } = info;
        for (const [key, value] of Object.entries(rest)) process.stdout.write(`${key.padEnd(16)} ${String(value)}\n`);
        process.stdout.write(
          `${"damaged_files".padEnd(16)} ${typeof damaged === "string" ? damaged : damaged.length}\n`,
        );
        if (typeof damaged !== "string")
          for (const file of damaged) process.stdout.write(`  ${describeDamaged(file, config.database.storePath)}\n`);
      }
    });
}

/** Run files set aside or skipped, or why the store cannot be read at all. */
function damagedStoreFiles(config: KitelabConfig): DamagedStoreFile[] | string {
  try {
    return openStoreReader(config).damagedFiles();
  } catch (error) {
    return `the store cannot be read: ${(error as Error).message}`;
  }
}

/** airflow.cfg and the environment read again, for a restart; an error says what does not load. */
function reloadCliConfig(command: Command): Result<KitelabConfig, string> {
  try {
    return ok(loadCliConfig(command));
  } catch (error) {
    return err((error as Error).message);
  }
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliError(`--port must be a number from 0 to 65535, got "${text}"`);
  return port;
}

/** The port `standalone` listens on (the one asked for, when it was not 0). */
function boundPort(standalone: RunningStandalone, asked: number): number {
  const address = standalone.server?.address();
  return typeof address === "object" && address !== null ? address.port : asked;
}

async function runUntilSignal(
  initial: KitelabConfig,
  options: StandaloneOptions,
  announce: boolean,
  reloadConfig: () => Result<KitelabConfig, string>,
): Promise<void> {
  let config = initial;
  const { startStandalone } = await import("../../scheduler/standalone.js");
  const existing = runningScheduler(config.home);
  if (existing)
    throw new CliError(
      `a Kitelab scheduler (pid ${existing.pid}) already runs for ${config.home}, at ${existing.url}; stop it first or set another KITELAB_HOME`,
    );
  let running: RunningStandalone;
  let restarting: Promise<unknown> = Promise.resolve();
  /** Stops the scheduler, reads airflow.cfg again and starts it on the same listening port. */
  const restart = async (): Promise<Result<RestartReport, string>> => {
    const begun = Date.now();
    const reloaded = reloadConfig();
    if (!reloaded.ok)
      return err(`airflow.cfg does not load, so the scheduler keeps running as it was: ${reloaded.error}`);
    const done = (async () => {
      await restarting;
      process.stdout.write("Restarting: running tasks get 5 seconds to finish, then airflow.cfg is read again...\n");
      const server = await running.stopForRestart(5000);
      const again = { ...options, port: boundPort(running, options.port), server, restart };
      try {
        running = await startStandalone(reloaded.value, again, openSchedulerStore);
        config = reloaded.value;
      } catch (error) {
        running = await startStandalone(config, again, openSchedulerStore);
        return err(
          `the scheduler could not start with the new airflow.cfg (${(error as Error).message}), so it runs again with the settings it had`,
        );
      }
      const startedAt = new Date().toISOString();
      writeEndpoint(config.home, endpointOf(running, startedAt));
      process.stdout.write(`Restarted in ${((Date.now() - begun) / 1000).toFixed(1)} s.\n`);
      return ok({ took_ms: Date.now() - begun, config_file: config.path, started_at: startedAt });
    })();
    restarting = done.catch(() => undefined);
    return done;
  };
  try {
    running = await startStandalone(config, { ...options, restart }, openSchedulerStore);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const startedBy = process.env.KITELAB_STARTED_BY?.trim() || undefined;
  const endpointOf = (standalone: RunningStandalone, startedAt: string) => ({
    pid: process.pid,
    url: standalone.url ?? "",
    startedAt,
    ...(startedBy ? { startedBy } : {}),
  });
  writeEndpoint(config.home, endpointOf(running, new Date().toISOString()));
  const dagCount = running.store.dagStatuses().filter((status) => status.isActive).length;
  const errors = running.store.importErrorList().length;
  if (announce) {
    process.stdout.write(
      `Kitelab ${version} standalone: scheduler, worker processes as tasks need them (up to ${config.core.parallelism} tasks at once) and the status page\n`,
    );
    process.stdout.write(`  Status page:  ${running.url}\n`);
    process.stdout.write(
      `  Home:         ${config.home}\n  DAGs folder:  ${config.core.dagsFolder}${config.core.loadExamples ? " (+ examples)" : ""}\n`,
    );
    process.stdout.write(
      `  ${dagCount} DAG(s) listed${errors > 0 ? `, ${errors} import error(s): see the status page or kitelab dags list-import-errors` : ""}\n`,
    );
    process.stdout.write(`  API token:    in ${config.home}/api_token (kitelab info shows it)\n  Stop with Ctrl-C.\n`);
    const clock = running.scheduler.clock;
    if (clock.mode !== "real") {
      process.stdout.write(
        `  Clock:        ${clock.info().description}; scheduler time is now ${clock.now().toISOString()}\n`,
      );
      process.stderr.write(
        `\nNOTE: the scheduler runs on a teaching clock (--clock ${clock.mode}): runs are created in scheduler time, not real time.\n\n`,
      );
    }
  } else {
    process.stdout.write(`Kitelab scheduler running (pid ${process.pid}); API at ${running.url}; Ctrl-C stops it\n`);
  }
  if (!LOOPBACK.has(options.host)) {
    process.stderr.write(
      `\nWARNING: listening on ${options.host}, reachable from other machines. Every change needs the API token, but${config.webserver.exposeReads ? " the pages and logs are readable by anyone who can reach this address ([webserver] expose_reads = True)" : " keep the token secret"}.\n\n`,
    );
  }
  if (!isAbsolute(config.core.dagsFolder))
    process.stderr.write(`warning: dags_folder ${config.core.dagsFolder} is relative\n`);
  await waitForSignalOrOwnerExit();
  await restarting;
  process.stdout.write("Stopping: running tasks get 5 seconds to finish...\n");
  await running.stop(5000);
  removeEndpoint(config.home, process.pid);
  process.stdout.write("Stopped.\n");
}

/**
 * The Launcher's scheduler serves JupyterLab's tabs, status bar and side panel, so it wins
 * over one a notebook cell started for the same home: that one is asked to stop (its running
 * tasks get their grace period) and its notebook client follows the new one through
 * scheduler.json. A scheduler started any other way is left alone.
 */
async function takeOverNotebookScheduler(home: string): Promise<void> {
  const existing = runningScheduler(home);
  if (!existing || existing.startedBy !== "notebook") return;
  process.stdout.write(
    `Stopping the scheduler a notebook started for ${home} (pid ${existing.pid}), so that this one serves JupyterLab...\n`,
  );
  process.kill(existing.pid, "SIGTERM");
  const deadline = Date.now() + 30_000;
  while (isProcessAlive(existing.pid)) {
    if (Date.now() > deadline)
      throw new CliError(
        `the scheduler a notebook started (pid ${existing.pid}) did not stop within 30 s; stop it (kill ${existing.pid}) and try again`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A scheduler a notebook cell started outlives kernel restarts on purpose, but not the Jupyter
 * server that ran the kernel: `startScheduler()` names that server in $KITELAB_STOP_WITH_PID,
 * and when it ends (Ctrl-C on `npm start`, nbconvert finishing) this scheduler stops as on SIGTERM.
 */
function waitForSignalOrOwnerExit(): Promise<void> {
  const owner = Number(process.env.KITELAB_STOP_WITH_PID);
  const signalled = waitForSignal();
  if (!Number.isInteger(owner) || owner <= 1) return signalled;
  return new Promise((resolve) => {
    const watch = setInterval(() => {
      if (isProcessAlive(owner)) return;
      clearInterval(watch);
      process.stdout.write(`The process that started this scheduler (pid ${owner}) has ended.\n`);
      resolve();
    }, 1000);
    void signalled.then(() => {
      clearInterval(watch);
      resolve();
    });
  });
}

/**
 * Resolves on the first SIGINT or SIGTERM. Later ones are noted and ignored, so the stop that
 * follows (tasks' grace period, workers, the store) is not cut short: under `npm start` a
 * Ctrl-C reaches the scheduler twice, from the terminal and forwarded by Jupyter's proxy.
 */
function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`${signal}: already stopping (kill -9 ${process.pid} stops at once)\n`);
        return;
      }
      stopping = true;
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
