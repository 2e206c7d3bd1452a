import { makePrivateFolder } from "../util/privateFiles.js";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
export { ensureApiToken } from "./apiToken.js";
import type { KitelabConfig } from "../config/index.js";
import { ensureConfigFile } from "../config/index.js";
import { LocalExecutor } from "../executor/localExecutor.js";
import type { Executor, ServiceHandler } from "../executor/executor.js";
import { bullmqSettingsOf } from "../executor/bullmq/settings.js";
import { EXAMPLES_FOLDER } from "../dagbag/listFiles.js";
import { Scheduler } from "./scheduler.js";
import { schedulerSettingsOf, useConfiguredTaskDefaults } from "./settings.js";
import type { SchedulerStore } from "./schedulerStore.js";
import { realClock, type Clock } from "../clock/clock.js";
import { describeDamaged } from "../persistence/quarantine.js";
import { fernetKeyExposure } from "../persistence/secretBox.js";

/** The executor `[core] executor` names. */
async function executorFor(
  config: KitelabConfig,
  parallelism: number,
  serviceHandler: ServiceHandler,
): Promise<Executor> {
  if (config.core.executor === "BullMQExecutor") {
    // Loaded only with this executor: BullMQ's modules would otherwise be most of the scheduler's start-up.
    const { BullMQExecutor } = await import("../executor/bullmq/bullmqExecutor.js");
    return new BullMQExecutor({
      settings: bullmqSettingsOf(config.bullmq),
      parallelism,
      folders: { dags: config.core.dagsFolder, examples: EXAMPLES_FOLDER },
      serviceHandler,
    });
  }
  // One owner per home: at start, processes left by this home's crashed scheduler are ended.
  return new LocalExecutor({
    parallelism,
    name: config.core.executor,
    serviceHandler,
    processOwner: resolve(config.home),
    workerMemoryLimitMb: config.core.workerMemoryLimitMb,
  });
}

export interface RunningScheduler {
  scheduler: Scheduler;
  store: SchedulerStore;
  config: KitelabConfig;
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts the scheduler side of `kitelab scheduler` / `standalone`: config file, store
 * (single writer), worker pool, DAG processor. The caller adds the web server and signals.
 */
export async function startScheduler(
  config: KitelabConfig,
  openStore: (config: KitelabConfig) => Promise<SchedulerStore & { close?(): Promise<void> }>,
  clock: Clock = realClock(),
): Promise<RunningScheduler> {
  ensureConfigFile(config.home);
  useConfiguredTaskDefaults(config);
  mkdirSync(config.core.dagsFolder, { recursive: true });
  makePrivateFolder(config.logging.baseLogFolder);
  const exposed = fernetKeyExposure(config.path);
  if (exposed) process.stderr.write(`kitelab: ${exposed}\n`);
  const store = await openStore(config);
  for (const file of store.damagedFiles?.() ?? [])
    process.stderr.write(`kitelab: ${describeDamaged(file, config.database.storePath)}\n`);
  const settings = schedulerSettingsOf(config);
  let scheduler: Scheduler | undefined;
  const executor = await executorFor(config, settings.parallelism, (...args) => scheduler!.serviceHandler(...args));
  scheduler = new Scheduler(store, executor, settings, clock);
  await executor.start();
  await scheduler.start();
  const running = scheduler;
  return {
    scheduler: running,
    store,
    config,
    async stop(graceMs = 5000) {
      await running.stop(graceMs);
      await store.close?.();
    },
  };
}
