import type { Command } from "commander";
import { explainFromStore, formatExplanation, type Explanation } from "../../explain/index.js";
import { schedulerSettingsOf } from "../../scheduler/settings.js";
import { parseIsoInstant } from "../../timetable/isoDate.js";
import { CliError } from "../output.js";
import { cliContext, enc } from "../storeAccess.js";
import { closestMatch } from "../../util/editDistance.js";

/** `kitelab dags explain DAG_ID`: why a DAG (and each waiting task of its active runs) is not running. */
export function registerExplainCommand(dags: Command): void {
  dags
    .command("explain")
    .description(
      "Say why a DAG is not running: scheduler, import error, paused, schedule, limits, and each waiting task",
    )
    .argument("<dag-id>")
    .option(
      "--now <iso>",
      "explain as of this instant of the scheduler's clock (default: the scheduler's clock, or now)",
    )
    .option("--json", 'print {"dagId", "blocked", "reasons": [{"code", "message", ...}], "nextRun"}')
    .action(async (dagId: string, options: { now?: string; json?: boolean }, command: Command) => {
      const now = options.now === undefined ? undefined : parseIsoInstant(options.now, "UTC");
      if (options.now !== undefined && !now)
        throw new CliError(
          `--now ${JSON.stringify(options.now)} is not an ISO-8601 instant such as 2024-01-01 or 2024-01-01T12:00:00Z`,
        );
      const context = cliContext(command);
      let explanation: Explanation | undefined;
      if (context.scheduler) {
        // The running scheduler knows its clock (it may be a teaching clock); ask it.
        explanation = await context.api<Explanation>(
          "GET",
          `/dags/${enc(dagId)}/explain${now ? `?now=${enc(now.toISOString())}` : ""}`,
        );
      } else {
        explanation = explainFromStore(context.store, dagId, {
          settings: schedulerSettingsOf(context.config),
          heartbeatThresholdMs: context.config.scheduler.schedulerHealthCheckThreshold * 1000,
          now: now ?? new Date(),
        });
      }
      if (!explanation) {
        const known = context.store
          .dagStatuses()
          .map((status) => status.dagId)
          .sort();
        const close = closestMatch(dagId, known);
        throw new CliError(
          known.length > 0
            ? `no DAG '${dagId}' and no import error naming it; ${close ? `did you mean '${close}'? ` : ""}known DAGs: ${known.join(", ")}`
            : `no DAG '${dagId}': the store lists no DAGs yet. Start the scheduler once (kitelab standalone) so it reads ${context.config.core.dagsFolder}`,
        );
      }
      process.stdout.write(options.json ? `${JSON.stringify(explanation)}\n` : `${formatExplanation(explanation)}\n`);
    });
}
