import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { ConflictError } from "../errors.js";
import type { KitelabConfig } from "../config/index.js";
import type { MailSettings, Notifier } from "../notify/index.js";
import type { WebDeps } from "../web/app.js";
import { bullmqSettingsOf } from "../executor/bullmq/settings.js";
import type { WorkerMonitor } from "../executor/bullmq/workerMonitor.js";
import { ensureApiToken, startScheduler, type RunningScheduler } from "./process.js";
import { StoreReadModel } from "./readModel.js";
import { schedulerSettingsOf } from "./settings.js";
import type { FileStore } from "../persistence/fileStore.js";
import { fileSharedSettings } from "../persistence/sharedSettings.js";
import { isManualClock, realClock, type Clock } from "../clock/clock.js";
import { storeExplainer } from "../explain/index.js";
import type { ClockControl } from "../web/ports.js";

export interface StandaloneOptions {
  host: string;
  port: number;
  baseUrl: string;
  /** Serve the web pages (standalone) or not (scheduler alone). */
  web: boolean;
  /**
   * The scheduler's clock (`--clock`): real time unless a teacher asks for another.
   * @default realClock()
   */
  clock?: Clock;
  /** Where clock moves are logged. @default stderr */
  log?: (line: string) => void;
  /**
   * A server already listening (the previous scheduler's, kept across a restart): the new web
   * app answers on it instead of listening anew, so the port never closes.
   */
  server?: Server;
  /** Restarts the whole standalone in place (`POST /api/v1/scheduler/restart`). */
  restart?: WebDeps["restart"];
}

export interface RunningStandalone extends RunningScheduler {
  url?: string;
  token: string;
  notifier: Notifier;
  server?: Server;
  /**
   * Stops everything but the listening socket, which answers 503 "restarting" meanwhile, and
   * returns it for the next {@link startStandalone} (`options.server`).
   */
  stopForRestart(graceMs?: number): Promise<Server | undefined>;
}

/** With the BullMQ executor, what the worker view reads from Redis. */
export async function workerMonitorFor(config: KitelabConfig): Promise<WorkerMonitor | undefined> {
  if (config.core.executor !== "BullMQExecutor") return undefined;
  // Loaded only with this executor: BullMQ's modules are most of a LocalExecutor standalone's start-up otherwise.
  const { WorkerMonitor } = await import("../executor/bullmq/workerMonitor.js");
  return new WorkerMonitor(bullmqSettingsOf(config.bullmq));
}

/** The mail settings the notifier needs, from airflow.cfg. */
export function mailSettingsOf(config: KitelabConfig, statusPageUrl: string): MailSettings {
  return {
    home: config.home,
    ...config.smtp,
    subjectTemplate: config.email.subjectTemplate,
    htmlContentTemplate: config.email.htmlContentTemplate,
    fromEmail: config.email.fromEmail,
    statusPageUrl,
  };
}

/**
 * `kitelab standalone`: scheduler, worker pool, notifier and web server in one process
 * tree. `kitelab scheduler` is the same without the web server.
 */
export async function startStandalone(
  config: KitelabConfig,
  options: StandaloneOptions,
  openStore: (config: KitelabConfig) => Promise<FileStore>,
): Promise<RunningStandalone> {
  let store: FileStore | undefined;
  const clock = options.clock ?? realClock();
  // The web server (Express) and the mail templates are most of the modules start-up loads:
  // they load while the scheduler starts and its DAG files parse in child processes, not before.
  const modules = Promise.all([import("../web/app.js"), import("../notify/index.js")]);
  modules.catch(() => {}); // awaited below; a failure then is the one reported
  const running = await startScheduler(config, async (opened) => (store = await openStore(opened)), clock);
  const [{ createApp, normalizeBaseUrl }, { createMailService, listOutbox, Notifier, readOutboxMessage }] =
    await modules;
  const token = ensureApiToken(config);
  const base = normalizeBaseUrl(options.baseUrl);
  // An absolute base URL (a JupyterHub's public address) is what mail links use as it is;
  // otherwise links point at this server, on the port it really listens on.
  const publicBase = /^https?:\/\//.test(options.baseUrl) ? options.baseUrl.replace(/\/+$/, "") : undefined;
  const localUrl = (port: number) =>
    `http://${options.host === "0.0.0.0" ? "127.0.0.1" : options.host}:${port}${base}`.replace(/\/$/, "");
  const statusPageUrl = publicBase ?? localUrl(options.port);
  const notifier = new Notifier(mailSettingsOf(config, statusPageUrl), {
    log: (level, message) => process.stderr.write(`mail ${level}: ${message}\n`),
  });
  const detach = notifier.attach(running.scheduler.events);
  running.scheduler.useMailer(createMailService(notifier));
  let server: Server | undefined;
  let url: string | undefined;
  const workers = options.web ? await workerMonitorFor(config) : undefined;
  if (options.web) {
    const settings = schedulerSettingsOf(config);
    const app = createApp({
      read: new StoreReadModel(running.store, settings, () => clock.now()),
      control: {
        trigger: (dagId, request) => running.scheduler.trigger(dagId, request),
        setPaused: (dagId, paused) => running.scheduler.setPaused(dagId, paused),
        clear: (dagId, runId, taskIds) => running.scheduler.clear(dagId, runId, taskIds),
        backfill: (dagId, start, end, conf) => running.scheduler.backfill(dagId, start, end, conf),
        setRunState: (dagId, runId, state) => running.scheduler.setRunState(dagId, runId, state),
        setTaskInstanceState: (dagId, runId, taskIds, state) =>
          running.scheduler.setTaskInstanceState(dagId, runId, taskIds, state),
        setNote: (dagId, runId, taskId, note) => running.scheduler.setNote(dagId, runId, taskId, note),
      },
      shared: fileSharedSettings(store!),
      baseUrl: base,
      token,
      exposeReads: config.webserver.exposeReads,
      allowedHosts: config.webserver.allowedHosts
        .split(",")
        .map((host) => host.trim())
        .filter((host) => host !== ""),
      healthThresholdSeconds: config.scheduler.schedulerHealthCheckThreshold,
      logFolder: config.logging.baseLogFolder,
      statusDagId: config.webserver.statusDagId || undefined,
      outbox: { list: () => listOutbox(config.home), read: (id) => readOutboxMessage(config.home, id) },
      explainer: storeExplainer(
        running.store,
        { settings, heartbeatThresholdMs: config.scheduler.schedulerHealthCheckThreshold * 1000 },
        () => clock.now(),
      ),
      clock: clockControl(clock, options.log ?? ((line) => process.stderr.write(`${line}\n`))),
      workers,
      restart: options.restart,
      onError: (error) =>
        process.stderr.write(`web: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`),
    });
    if (options.server) {
      server = options.server;
      serveWith(server, app);
    } else {
      server = await new Promise<Server>((resolve, reject) => {
        const listening = app.listen(options.port, options.host, () => resolve(listening));
        listening.once("error", reject);
      });
    }
    // Clients (fetch, the CLI, notebooks) keep connections alive for about 4 s. A server that
    // drops idle ones after Node's default 5 s races them on a busy machine ("fetch failed"
    // on a reused socket); idle sockets here outlive the clients' own timeout instead.
    server.keepAliveTimeout = 30_000;
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : options.port;
    url = `http://${options.host}:${port}${base}`;
    if (!publicBase) notifier.useStatusPageUrl(localUrl(port));
  }
  return {
    ...running,
    url,
    token,
    notifier,
    server,
    async stop(graceMs = 5000) {
      if (server) {
        const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
        server.closeAllConnections();
        await closed;
      }
      await stopAllButServer(graceMs);
    },
    async stopForRestart(graceMs = 5000) {
      if (server) serveWith(server, answerRestarting);
      await stopAllButServer(graceMs);
      return server;
    },
  };

  async function stopAllButServer(graceMs: number): Promise<void> {
    await running.stop(graceMs);
    await workers?.close();
    detach();
    await notifier.close(5000);
  }
}

/** Makes `handler` the only one answering `server`'s requests (kept-alive connections included). */
function serveWith(server: Server, handler: (req: IncomingMessage, res: ServerResponse) => void): void {
  server.removeAllListeners("request");
  server.on("request", handler);
}

/** What the port answers between two schedulers of a restart. */
function answerRestarting(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(503, { "Content-Type": "text/plain; charset=utf-8", "Retry-After": "1", "Cache-Control": "no-store" });
  res.end("The Kitelab scheduler is restarting: try again in a second.\n");
}

/** The clock as the web server shows and moves it; every move is logged. */
export function clockControl(clock: Clock, log: (line: string) => void): ClockControl {
  return {
    info: () => clock.info(),
    advance(ms) {
      if (!isManualClock(clock)) throw new ConflictError(`the ${clock.mode} clock moves by itself`);
      const from = clock.now().toISOString();
      const to = clock.advance(ms).toISOString();
      log(`clock: advanced from ${from} to ${to} (manual clock)`);
      return clock.info();
    },
  };
}
