import type { Command } from "commander";
import type { KitelabConfig } from "../config/index.js";
import { type FileStore, openStoreReader } from "../persistence/index.js";
import { ensureApiToken } from "../scheduler/apiToken.js";
import { loadCliConfig } from "./commands/config.js";
import { CliError, parseOutputFormat, type OutputFormat } from "./output.js";
import { closestMatch } from "../util/editDistance.js";
import { callApi, runningScheduler, type SchedulerEndpoint } from "./schedulerClient.js";

/** What most state commands start with: the config, a reader of the store, the output format. */
export interface CliContext {
  config: KitelabConfig;
  store: FileStore;
  format: OutputFormat;
  scheduler?: SchedulerEndpoint;
  api<T>(method: string, path: string, body?: unknown): Promise<T>;
}

export function cliContext(command: Command): CliContext {
  const config = loadCliConfig(command);
  const options = command.opts() as { output?: string };
  const store = openStoreReader(config);
  const scheduler = runningScheduler(config.home);
  return {
    config,
    store,
    format: parseOutputFormat(options.output ?? "table"),
    scheduler,
    api<T>(method: string, path: string, body?: unknown): Promise<T> {
      if (!scheduler) {
        throw new CliError(
          `no scheduler is running for KITELAB_HOME=${config.home}; start one with \`kitelab scheduler\` or \`kitelab standalone\` (or the Kitelab Scheduler card in JupyterLab)`,
        );
      }
      return callApi<T>(scheduler, ensureApiToken(config), method, path, body);
    },
  };
}

/** A DAG the store knows, or a CliError listing the known ones. */
export function requireKnownDag(context: CliContext, dagId: string) {
  const dag = context.store.getDag(dagId);
  if (!dag) {
    const known = context.store
      .dagStatuses()
      .map((status) => status.dagId)
      .sort();
    const close = closestMatch(dagId, known);
    throw new CliError(
      known.length > 0
        ? `no DAG '${dagId}'; ${close ? `did you mean '${close}'? ` : ""}known DAGs: ${known.join(", ")}`
        : `no DAG '${dagId}': the store lists no DAGs yet. Start the scheduler once (kitelab scheduler) so it reads ${context.config.core.dagsFolder}`,
    );
  }
  return dag;
}

export const enc = encodeURIComponent;
