import type { Command } from "commander";
import type { FileStore } from "../../persistence/index.js";
import type { DagRunRecord } from "../../records.js";
import { DAG_RUN_STATES } from "../../states.js";
import { StoreReadModel } from "../../scheduler/readModel.js";
import { dagFoldersOf, schedulerSettingsOf } from "../../scheduler/settings.js";
import { combineParses } from "../../dagbag/dagBag.js";
import { parseFiles } from "../../dagbag/dagProcessor.js";
import { listDagFiles } from "../../dagbag/listFiles.js";
import type { KitelabConfig } from "../../config/types.js";
import { openSchedulerStore } from "../../persistence/index.js";
import { formatDuration } from "../../util/duration.js";
import { CliError, printRows, type OutputFormat } from "../output.js";
import { cliContext, enc, requireKnownDag } from "../storeAccess.js";
import { parseConf, parseLogicalDate } from "../parse.js";
import { loadCliConfig } from "./config.js";

const output = (command: Command) => command.option("-o, --output <format>", "table or json", "table");

/** The `dags` commands that read or change scheduler state (list, runs, trigger, pause, backfill...). */
export function registerDagStateCommands(dags: Command): void {
  output(dags.command("list").description("DAGs the scheduler knows, with their schedule and paused state")).action(
    async (_o, command: Command) => {
      const context = cliContext(command);
      // The list comes from the store, which only the scheduler fills. Before any scheduler has
      // run, read the dags folder here, as Airflow's `dags list` does, and say what is missing.
      if (context.store.dagStatuses().length === 0 && !context.scheduler) {
        await listFromFolders(context.config, context.format);
        return;
      }
      const read = new StoreReadModel(context.store, schedulerSettingsOf(context.config));
      printRows(
        read.dags(),
        [
          { header: "dag_id", value: (s) => s.dag.dagId },
          { header: "schedule", value: (s) => s.dag.schedule ?? "None" },
          { header: "paused", value: (s) => (s.isPaused ? "True" : "False") },
          { header: "active", value: (s) => (s.isActive ? "True" : "False (file gone)") },
          { header: "next run", value: (s) => s.nextRunAfter ?? "" },
          { header: "fileloc", value: (s) => s.dag.fileloc },
        ],
        context.format,
        (s) => ({
          dag_id: s.dag.dagId,
          schedule: s.dag.schedule,
          is_paused: s.isPaused,
          is_active: s.isActive,
          next_dagrun_create_after: s.nextRunAfter ?? null,
          fileloc: s.dag.fileloc,
        }),
      );
      const errors = context.store.importErrorList().length;
      if (errors > 0 && context.format !== "json")
        process.stderr.write(`${errors} DAG file(s) failed to import: kitelab dags list-import-errors\n`);
      if (context.store.dagStatuses().length === 0 && context.format !== "json") {
        process.stderr.write(
          `The running scheduler (pid ${context.scheduler!.pid}) found no DAG in ${context.config.core.dagsFolder} yet\n`,
        );
      }
    },
  );

  output(dags.command("list-import-errors").description("DAG files that failed to import, with the reason")).action(
    (_o, command: Command) => {
      const context = cliContext(command);
      printRows(
        context.store.importErrorList(),
        [
          { header: "filepath", value: (e) => `${e.file}${e.line ? `:${e.line}` : ""}` },
          { header: "error", value: (e) => `${e.name}: ${e.message}`.split("\n")[0] },
        ],
        context.format,
        (e) => ({ filepath: e.file, line: e.line ?? null, error: `${e.name}: ${e.message}`, timestamp: e.timestamp }),
      );
    },
  );

  output(
    dags
      .command("list-runs")
      .description("Runs of a DAG, newest first")
      .argument("[dag-id]")
      .option("-d, --dag-id <dag-id>", "the DAG, as Airflow 2 spells it (airflow dags list-runs -d DAG_ID)")
      .option("--state <state>", "only runs in this state")
      .option("--limit <n>", "how many", "25"),
  ).action(
    (positional: string | undefined, options: { dagId?: string; state?: string; limit: string }, command: Command) => {
      if (positional !== undefined && options.dagId !== undefined && positional !== options.dagId) {
        throw new CliError(`two DAG ids given ("${positional}" and -d "${options.dagId}"): give one`);
      }
      const dagId = positional ?? options.dagId;
      if (dagId === undefined) throw new CliError("name the DAG: kitelab dags list-runs DAG_ID (or -d DAG_ID)");
      const context = cliContext(command);
      requireKnownDag(context, dagId);
      if (options.state !== undefined && !(DAG_RUN_STATES as readonly string[]).includes(options.state)) {
        throw new CliError(`--state must be one of ${DAG_RUN_STATES.join(", ")}; got "${options.state}"`);
      }
      const read = new StoreReadModel(context.store, schedulerSettingsOf(context.config));
      const page = read.runs({
        dagId,
        states: options.state ? [options.state as DagRunRecord["state"]] : undefined,
        limit: Number(options.limit) || 25,
        offset: 0,
        orderBy: "-execution_date",
      });
      printRows(page.items, runColumns, context.format);
    },
  );

  output(
    dags.command("state").description("The state of one run").argument("<dag-id>").argument("<logical-date-or-run-id>"),
  ).action((dagId: string, which: string, _o, command: Command) => {
    const context = cliContext(command);
    const run = findRun(context.store, dagId, which);
    if (context.format === "json") process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
    else process.stdout.write(`${run.state}\n`);
  });

  output(
    dags.command("next-execution").description("When the next scheduled run of a DAG happens").argument("<dag-id>"),
  ).action((dagId: string, _o, command: Command) => {
    const context = cliContext(command);
    requireKnownDag(context, dagId);
    const summary = new StoreReadModel(context.store, schedulerSettingsOf(context.config)).dag(dagId)!;
    if (context.format === "json")
      process.stdout.write(
        `${JSON.stringify({ logical_date: summary.nextLogicalDate ?? null, run_after: summary.nextRunAfter ?? null })}\n`,
      );
    else
      process.stdout.write(
        summary.nextLogicalDate
          ? `${summary.nextLogicalDate} (runs after ${summary.nextRunAfter})${summary.isPaused ? ` — the DAG is paused: kitelab dags unpause ${dagId}` : ""}\n`
          : "None: this DAG has no further scheduled run\n",
      );
  });

  output(
    dags
      .command("trigger")
      .description("Start a run now (needs a running scheduler)")
      .argument("<dag-id>")
      .option("-c, --conf <json>", "run conf as JSON")
      .option("-e, --exec-date <date>", "logical date")
      .option("-r, --run-id <id>"),
  ).action(async (dagId: string, options: { conf?: string; execDate?: string; runId?: string }, command: Command) => {
    const context = cliContext(command);
    requireKnownDag(context, dagId);
    const run = await context.api<Record<string, unknown>>("POST", `/dags/${enc(dagId)}/dagRuns`, {
      conf: parseConf(options.conf) ?? {},
      ...(options.execDate ? { logical_date: parseLogicalDate(options.execDate)!.toISOString() } : {}),
      ...(options.runId ? { dag_run_id: options.runId } : {}),
    });
    if (context.format === "json") process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
    else
      process.stdout.write(
        `Created run ${String(run.dag_run_id)} of ${dagId} (${String(run.state)})${context.store.dagStatuses().find((s) => s.dagId === dagId)?.isPaused ? `\nNote: ${dagId} is paused, so the run waits until you unpause it: kitelab dags unpause ${dagId}` : ""}\n`,
      );
  });

  for (const [name, paused] of [
    ["pause", true],
    ["unpause", false],
  ] as const) {
    dags
      .command(name)
      .description(paused ? "Stop creating and starting runs of a DAG" : "Let the scheduler run a DAG")
      .argument("<dag-id>")
      .action(async (dagId: string, _o, command: Command) => {
        const context = cliContext(command);
        requireKnownDag(context, dagId);
        if (context.scheduler) await context.api("PATCH", `/dags/${enc(dagId)}`, { is_paused: paused });
        else await withWriter(command, (store) => store.setPaused(dagId, paused));
        process.stdout.write(`Dag: ${dagId}, paused: ${paused ? "True" : "False"}\n`);
      });
  }

  dags
    .command("delete")
    .description("Forget a DAG and all its runs (the file stays; delete it too or it comes back)")
    .argument("<dag-id>")
    .option("-y, --yes", "do not ask")
    .action(async (dagId: string, options: { yes?: boolean }, command: Command) => {
      const context = cliContext(command);
      requireKnownDag(context, dagId);
      if (context.scheduler)
        throw new CliError(`stop the scheduler (pid ${context.scheduler.pid}) before deleting a DAG's history`);
      if (!options.yes) throw new CliError(`this removes every run of '${dagId}'; run again with --yes to confirm`);
      const removed = await withWriter(command, (store) => store.deleteDag(dagId));
      process.stdout.write(`Removed DAG '${dagId}' and ${removed} run(s)\n`);
    });

  dags
    .command("backfill")
    .description("Run every interval of a DAG between two dates, respecting maxActiveRuns")
    .argument("<dag-id>")
    .requiredOption("-s, --start-date <date>", "first logical date (ISO-8601)")
    .requiredOption("-e, --end-date <date>", "last logical date (ISO-8601)")
    .option("-c, --conf <json>", "conf for every backfill run")
    .action(async (dagId: string, options: { startDate: string; endDate: string; conf?: string }, command: Command) => {
      const start = parseLogicalDate(options.startDate)!;
      const end = parseLogicalDate(options.endDate)!;
      const conf = parseConf(options.conf) ?? {};
      const context = cliContext(command);
      if (context.scheduler) {
        const created = await context.api<{ dag_runs: Array<{ dag_run_id: string }> }>(
          "POST",
          `/dags/${enc(dagId)}/backfill`,
          { start_date: start.toISOString(), end_date: end.toISOString(), conf },
        );
        const runIds = created.dag_runs.map((run) => run.dag_run_id);
        process.stdout.write(
          `Backfill of ${dagId}: ${runIds.length} run(s) handed to the running scheduler (pid ${context.scheduler.pid})\n`,
        );
        context.store.refresh();
        process.stdout.write(pausedBackfillNote(dagId, context.store.dagStatuses()));
        await followRuns(() => {
          context.store.refresh();
          return runIds.map((runId) => context.store.getRun(dagId, runId)!);
        }, dagId);
        return;
      }
      const config = loadCliConfig(command);
      process.stdout.write(`No scheduler is running: backfilling ${dagId} with one started for this command\n`);
      const { startStandalone } = await import("../../scheduler/standalone.js");
      const running = await startStandalone(
        config,
        { host: "127.0.0.1", port: 0, baseUrl: "/", web: false },
        openSchedulerStore,
      );
      try {
        const runs = await running.scheduler.backfill(dagId, start, end, conf);
        process.stdout.write(pausedBackfillNote(dagId, running.store.dagStatuses()));
        await followRuns(() => runs.map((run) => running.store.getRun(dagId, run.runId)!), dagId);
      } finally {
        await running.stop(5000);
      }
    });
}

const runColumns = [
  { header: "run_id", value: (run: DagRunRecord) => run.runId },
  { header: "state", value: (run: DagRunRecord) => run.state },
  { header: "logical_date", value: (run: DagRunRecord) => run.logicalDate },
  { header: "start_date", value: (run: DagRunRecord) => run.startDate ?? "" },
  { header: "end_date", value: (run: DagRunRecord) => run.endDate ?? "" },
];

export function findRun(store: FileStore, dagId: string, which: string): DagRunRecord {
  const direct = store.getRun(dagId, which);
  if (direct) return direct;
  const date = new Date(which);
  if (!Number.isNaN(date.getTime())) {
    const match = store.allRuns(dagId).find((run) => Date.parse(run.logicalDate) === date.getTime());
    if (match) return match;
  }
  throw new CliError(
    `DAG '${dagId}' has no run '${which}' (give a run id or a logical date; kitelab dags list-runs ${dagId} lists them)`,
  );
}

async function withWriter<T>(command: Command, work: (store: FileStore) => Promise<T>): Promise<T> {
  const store = await openSchedulerStore(loadCliConfig(command));
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** A backfill runs whether or not its DAG is paused (as in Airflow); say so, since a trigger would wait. */
function pausedBackfillNote(dagId: string, statuses: readonly { dagId: string; isPaused: boolean }[]): string {
  if (!statuses.find((status) => status.dagId === dagId)?.isPaused) return "";
  return `Note: ${dagId} is paused; a backfill runs anyway, as in Airflow, and the DAG stays paused (kitelab dags unpause ${dagId} lets the scheduler run it too)\n`;
}

/** Prints a line whenever the backfill's progress changes, then a summary; exit code 1 if a run failed. */
async function followRuns(current: () => DagRunRecord[], dagId: string): Promise<void> {
  const started = Date.now();
  let last = "";
  for (;;) {
    const runs = current();
    const done = runs.filter((run) => run.state === "success" || run.state === "failed");
    const running = runs.filter((run) => run.state === "running").map((run) => run.logicalDate.slice(0, 10));
    const line = `[${done.length}/${runs.length}] ${runs.filter((r) => r.state === "success").length} succeeded, ${runs.filter((r) => r.state === "failed").length} failed${running.length > 0 ? `; running ${running.join(", ")}` : ""}`;
    if (line !== last) process.stdout.write(`${line}\n`);
    last = line;
    if (done.length === runs.length) {
      process.stdout.write(`\nBackfill of ${dagId} finished in ${formatDuration(Date.now() - started)}:\n`);
      for (const run of runs)
        process.stdout.write(
          `  ${run.state === "success" ? "✔" : "✖"} ${run.logicalDate.slice(0, 19)}  ${run.state}\n`,
        );
      if (done.some((run) => run.state === "failed")) process.exitCode = 1;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** `dags list` with no scheduler yet: parses the dags folders now, in an isolated child. */
async function listFromFolders(config: KitelabConfig, format: OutputFormat): Promise<void> {
  const files = dagFoldersOf(config).flatMap((folder) => listDagFiles(folder));
  const bag = combineParses(
    await parseFiles(files, config.core.dagbagImportTimeout * 1000, {
      parsingProcesses: config.scheduler.parsingProcesses,
      memoryLimitMb: config.core.dagParsingMemoryLimitMb,
    }),
  );
  const dags = [...bag.dags.values()].sort((a, b) => a.dagId.localeCompare(b.dagId));
  const paused = config.core.dagsArePausedAtCreation;
  printRows(
    dags,
    [
      { header: "dag_id", value: (dag) => dag.dagId },
      { header: "schedule", value: (dag) => dag.schedule ?? "None" },
      { header: "paused", value: () => (paused ? "True (at creation)" : "False") },
      { header: "fileloc", value: (dag) => dag.fileloc },
    ],
    format,
    (dag) => ({ dag_id: dag.dagId, schedule: dag.schedule, is_paused: paused, fileloc: dag.fileloc }),
  );
  if (format === "json") return;
  for (const [file, error] of [...bag.importErrors].sort(([a], [b]) => a.localeCompare(b))) {
    process.stderr.write(
      `import error in ${file}${error.line ? `:${error.line}` : ""}: ${error.name}: ${error.message.split("\n")[0]}\n`,
    );
  }
  process.stderr.write(
    `Read ${files.length} file(s) of ${config.core.dagsFolder} just now: no scheduler has run yet, so nothing is scheduled. Start one with \`kitelab scheduler\` (or \`kitelab standalone\` for the status page too).\n`,
  );
}
