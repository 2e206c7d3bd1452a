import type { Command } from "commander";
import { hostname } from "node:os";
import { EXAMPLES_FOLDER } from "../../dagbag/listFiles.js";
import { bullmqSettingsOf } from "../../executor/bullmq/settings.js";
import { useConfiguredTaskDefaults } from "../../scheduler/settings.js";
import { CliError } from "../output.js";
import { loadCliConfig } from "./config.js";

/** Seconds a running task may take to finish after SIGTERM before it is handed back. */
const STOP_GRACE_MS = 30_000;

/** `kitelab worker`: Airflow's `airflow celery worker`, on BullMQ and Redis. */
export function registerWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description(
      "Run tasks the BullMQ executor queues in Redis ([bullmq] redis_url), on this machine; SIGTERM stops it gracefully",
    )
    .option("--queues <names>", "comma-separated queues to take tasks from (default: [bullmq] default_queue)")
    .option(
      "--concurrency <n>",
      "tasks run at once, each in its own worker process (default: [bullmq] worker_concurrency)",
    )
    .option("--hostname <name>", "the name task instances and the worker view show (default: this machine's hostname)")
    .action(async (options: { queues?: string; concurrency?: string; hostname?: string }, command: Command) => {
      const config = loadCliConfig(command);
      const settings = bullmqSettingsOf(config.bullmq);
      const queues = parseQueues(options.queues ?? settings.defaultQueue);
      const concurrency = parseConcurrency(options.concurrency ?? String(settings.workerConcurrency));
      const name = options.hostname ?? hostname();
      if (name.trim() === "") throw new CliError("--hostname must not be empty");
      useConfiguredTaskDefaults(config);
      // BullMQ and ioredis are loaded by this command only, not by every `kitelab` start.
      const { RemoteWorker } = await import("../../executor/bullmq/remoteWorker.js");
      const worker = new RemoteWorker({
        settings,
        queues,
        concurrency,
        hostname: name,
        folders: { dags: config.core.dagsFolder, examples: EXAMPLES_FOLDER },
        baseLogFolder: config.logging.baseLogFolder,
        workerMemoryLimitMb: config.core.workerMemoryLimitMb,
        log: (line) => process.stdout.write(`[${new Date().toISOString()}] ${line}\n`),
      });
      try {
        await worker.start();
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      process.stdout.write(
        `kitelab worker ${name} (pid ${process.pid}) ready: queues ${queues.join(", ")}, concurrency ${concurrency}, DAGs from ${config.core.dagsFolder}\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      process.stdout.write(
        `Stopping: ${worker.runningCount} running task(s) get ${STOP_GRACE_MS / 1000} s to finish; a second signal stops at once (the scheduler then retries them)...\n`,
      );
      const exitNow = () => process.exit(130);
      process.once("SIGINT", exitNow);
      process.once("SIGTERM", exitNow);
      await worker.stop(STOP_GRACE_MS);
      process.stdout.write("Worker stopped.\n");
    });
}

function parseQueues(text: string): string[] {
  const queues = text
    .split(",")
    .map((queue) => queue.trim())
    .filter((queue) => queue !== "");
  const bad = queues.find((queue) => !/^[\w.-]+$/.test(queue));
  if (queues.length === 0 || bad !== undefined)
    throw new CliError(`--queues must be queue names separated by commas, such as default,gpu; got "${text}"`);
  return [...new Set(queues)];
}

function parseConcurrency(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new CliError(`--concurrency must be a positive whole number, got "${text}"`);
  return value;
}
