import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { isInside } from "../../runtime/logPaths.js";
import { formatDuration } from "../../util/duration.js";
import { CliError, printRows } from "../output.js";
import { cliContext, enc, requireKnownDag, type CliContext } from "../storeAccess.js";
import { findRun } from "./dagState.js";

const output = (command: Command) => command.option("-o, --output <format>", "table or json", "table");

/** The `tasks` commands over recorded runs: list, state, logs, clear. */
export function registerTaskStateCommands(tasks: Command): void {
  output(tasks.command("list").description("The tasks of a DAG, in dependency order").argument("<dag-id>")).action(
    (dagId: string, _o, command: Command) => {
      const context = cliContext(command);
      const dag = requireKnownDag(context, dagId);
      printRows(
        dag.tasks,
        [
          { header: "task_id", value: (task) => task.taskId },
          { header: "operator", value: (task) => task.operator },
          { header: "upstream", value: (task) => task.upstreamIds.join(", ") },
          { header: "trigger_rule", value: (task) => task.triggerRule },
          { header: "retries", value: (task) => task.retries },
        ],
        context.format,
      );
    },
  );

  output(
    tasks
      .command("state")
      .description("The state of a task instance (the latest run by default)")
      .argument("<dag-id>")
      .argument("<task-id>")
      .argument("[run-id]"),
  ).action((dagId: string, taskId: string, runId: string | undefined, _o, command: Command) => {
    const context = cliContext(command);
    const ti = findTaskInstance(context, dagId, taskId, runId);
    if (context.format === "json") process.stdout.write(`${JSON.stringify(ti, null, 2)}\n`);
    else process.stdout.write(`${ti.state}\n`);
  });

  output(
    tasks
      .command("states-for-dag-run")
      .description("The state of every task instance of one run")
      .argument("<dag-id>")
      .argument("<logical-date-or-run-id>"),
  ).action((dagId: string, which: string, _o, command: Command) => {
    const context = cliContext(command);
    const dag = requireKnownDag(context, dagId);
    const run = findRun(context.store, dagId, which);
    const order = new Map(dag.tasks.map((task, index) => [task.taskId, index]));
    const instances = [...context.store.taskInstances(dagId, run.runId)].sort(
      (a, b) => (order.get(a.taskId) ?? 0) - (order.get(b.taskId) ?? 0),
    );
    printRows(
      instances,
      [
        { header: "task_id", value: (ti) => ti.taskId },
        { header: "state", value: (ti) => ti.state },
        { header: "try_number", value: (ti) => ti.tryNumber },
        { header: "start_date", value: (ti) => ti.startDate ?? "" },
        { header: "end_date", value: (ti) => ti.endDate ?? "" },
        { header: "duration", value: (ti) => (ti.durationMs === undefined ? "" : formatDuration(ti.durationMs)) },
      ],
      context.format,
      (ti) => ({
        dag_id: dagId,
        run_id: run.runId,
        task_id: ti.taskId,
        state: ti.state,
        try_number: ti.tryNumber,
        start_date: ti.startDate ?? null,
        end_date: ti.endDate ?? null,
      }),
    );
  });

  tasks
    .command("logs")
    .description("Print a task instance's log (the latest run and attempt by default)")
    .argument("<dag-id>")
    .argument("<task-id>")
    .argument("[run-id]")
    .option("--try <n>", "attempt number")
    .action((dagId: string, taskId: string, runId: string | undefined, options: { try?: string }, command: Command) => {
      const context = cliContext(command);
      const ti = findTaskInstance(context, dagId, taskId, runId);
      if (!ti.logPath || ti.tryNumber === 0)
        throw new CliError(`task '${taskId}' of run ${ti.runId} has not run yet (state ${ti.state})`);
      const attempt = options.try === undefined ? ti.tryNumber : Number(options.try);
      if (!Number.isInteger(attempt) || attempt < 1 || attempt > ti.tryNumber) {
        throw new CliError(`--try must be an attempt from 1 to ${ti.tryNumber}, got "${options.try}"`);
      }
      const path = ti.logPath.replace(/attempt=\d+\.log$/, `attempt=${attempt}.log`);
      if (!isInside(context.config.logging.baseLogFolder, path) || !existsSync(path))
        throw new CliError(`no log file at ${path}`);
      process.stdout.write(`*** ${path}\n${readFileSync(path, "utf8")}`);
    });

  tasks
    .command("clear")
    .description("Clear task instances so they run again (needs a running scheduler)")
    .argument("<dag-id>")
    .argument("<run-id>")
    .option("-t, --task-regex <regex>", "only tasks whose id matches")
    .option("-y, --yes", "do not ask")
    .action(async (dagId: string, runId: string, options: { taskRegex?: string; yes?: boolean }, command: Command) => {
      const context = cliContext(command);
      requireKnownDag(context, dagId);
      const instances = context.store.taskInstances(dagId, runId);
      if (instances.length === 0)
        throw new CliError(`DAG '${dagId}' has no run '${runId}'; kitelab dags list-runs ${dagId} lists them`);
      let pattern: RegExp | undefined;
      try {
        pattern = options.taskRegex ? new RegExp(options.taskRegex) : undefined;
      } catch (error) {
        throw new CliError(`--task-regex is not a valid regular expression: ${(error as Error).message}`);
      }
      const taskIds = instances.map((ti) => ti.taskId).filter((id) => !pattern || pattern.test(id));
      if (taskIds.length === 0) throw new CliError(`no task of ${dagId} matches /${options.taskRegex}/`);
      if (!options.yes)
        throw new CliError(`this clears ${taskIds.join(", ")} in ${runId}; run again with --yes to confirm`);
      await context.api("POST", `/dags/${enc(dagId)}/clearTaskInstances`, {
        dry_run: false,
        dag_run_id: runId,
        task_ids: taskIds,
        only_failed: false,
        include_downstream: false,
      });
      process.stdout.write(`Cleared ${taskIds.length} task instance(s) of ${runId}: ${taskIds.join(", ")}\n`);
    });
}

function findTaskInstance(context: CliContext, dagId: string, taskId: string, runId: string | undefined) {
  const dag = requireKnownDag(context, dagId);
  if (!dag.tasks.some((task) => task.taskId === taskId))
    throw new CliError(
      `DAG '${dagId}' has no task '${taskId}'; it has ${dag.tasks.map((task) => task.taskId).join(", ")}`,
    );
  const runs = context.store.allRuns(dagId).sort((a, b) => b.logicalDate.localeCompare(a.logicalDate));
  const run = runId ? runs.find((candidate) => candidate.runId === runId) : runs[0];
  if (!run) throw new CliError(runId ? `DAG '${dagId}' has no run '${runId}'` : `DAG '${dagId}' has no runs yet`);
  const ti = context.store.taskInstances(dagId, run.runId).find((candidate) => candidate.taskId === taskId);
  if (!ti) throw new CliError(`run ${run.runId} has no task instance '${taskId}'`);
  return { ...ti, duration: ti.durationMs === undefined ? undefined : formatDuration(ti.durationMs) };
}
