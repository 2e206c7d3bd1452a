import { Command, CommanderError } from "commander";
import { CliError } from "./output.js";
import { registerScheduleCommands } from "./commands/schedule.js";
import { registerConfigCommands } from "./commands/config.js";
import { registerVariableCommands } from "./commands/variables.js";
import { registerConnectionCommands } from "./commands/connections.js";
import { registerDagCommands } from "./commands/dags.js";
import { registerTaskCommands } from "./commands/tasks.js";
import { registerSchedulerCommands } from "./commands/scheduler.js";
import { registerPoolCommands } from "./commands/pools.js";
import { registerWorkerCommand } from "./commands/worker.js";
import { registerClockCommands } from "./commands/clock.js";
import { registerCheckCommand } from "./commands/check.js";

/** Builds the `kitelab` command tree. Commands throw CliError to fail with one line. */
export function buildProgram(): Command {
  const program = new Command("kitelab")
    .description("Airflow's concepts in TypeScript: DAGs, schedules, runs, a status page")
    .showSuggestionAfterError(true)
    .exitOverride();
  registerSchedulerCommands(program);
  registerDagCommands(program);
  registerTaskCommands(program);
  registerScheduleCommands(program);
  registerConfigCommands(program);
  registerVariableCommands(program);
  registerConnectionCommands(program);
  registerPoolCommands(program);
  registerWorkerCommand(program);
  registerClockCommands(program);
  registerCheckCommand(program);
  return program;
}

/** Runs the CLI and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  // `kitelab ... | head` closes the pipe early: that is not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its message (unknown option, missing argument, --help).
      return error.exitCode;
    }
    if (error instanceof CliError) {
      process.stderr.write(`kitelab: error: ${error.message}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    process.stderr.write(`kitelab: error: ${message}\n`);
    return 1;
  }
}
