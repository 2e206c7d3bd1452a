import type { Command } from "commander";
import { loadDagForCli } from "../dagSource.js";
import { cliConfig, dagLookupFolders } from "../cliConfig.js";
import { openStoreReader } from "../../persistence/index.js";
import { parseConf, parseLogicalDate } from "../parse.js";
import { registerTaskStateCommands } from "./taskState.js";

/** `kitelab tasks ...`: commands on single tasks. */
export function registerTaskCommands(program: Command): Command {
  const tasks = program.command("tasks").description("Work with tasks: test, list, state, logs, clear");

  tasks
    .command("test")
    .description("Run one task by itself, ignoring its dependencies; exit 0 only if it succeeded")
    .argument("<file-or-dag-id>")
    .argument("<task-id>")
    .argument("[logical-date]")
    .option("--dag-id <id>", "which DAG, when the file defines several")
    .option("--conf <json>", "run conf as JSON")
    .action(
      async (
        fileOrId: string,
        taskId: string,
        logicalDate: string | undefined,
        options: { dagId?: string; conf?: string },
      ) => {
        const dag = await loadDagForCli(fileOrId, dagLookupFolders(), options.dagId);
        const task = dag.getTask(taskId);
        const store = openStoreReader(cliConfig());
        const result = await task.test({
          logicalDate: parseLogicalDate(logicalDate),
          conf: parseConf(options.conf),
          variables: store.variables(),
          connections: store.connections(),
        });
        if (result.error) process.stderr.write(`${taskId} failed: ${result.error.name}: ${result.error.message}\n`);
        process.exitCode = result.state === "success" ? 0 : 1;
      },
    );

  registerTaskStateCommands(tasks);
  return tasks;
}
