import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { renderAscii, renderDot, renderSvg } from "../../graph/index.js";
import { parseConf, parseLogicalDate } from "../parse.js";
import { loadDagForCli } from "../dagSource.js";
import { cliConfig, dagLookupFolders } from "../cliConfig.js";
import { openStoreReader } from "../../persistence/index.js";
import { registerDagStateCommands } from "./dagState.js";
import { registerExplainCommand } from "./explain.js";

/** `kitelab dags ...`: the commands that work on DAG definitions and runs. */
export function registerDagCommands(program: Command): Command {
  const dags = program.command("dags").description("Work with DAGs: test, show, list, trigger, backfill");

  dags
    .command("test")
    .description("Run a DAG once, in this process, and exit 0 only if the run succeeded")
    .argument("<file-or-dag-id>", "a DAG file, or the id of a DAG in the dags folder")
    .argument("[logical-date]", "the run's logical date (ISO-8601)", undefined)
    .option("--dag-id <id>", "which DAG, when the file defines several")
    .option("--conf <json>", "run conf as JSON, overriding the DAG's params")
    .option("--max-retry-delay <duration>", "cap retry waits, e.g. 1s")
    .action(
      async (
        fileOrId: string,
        logicalDate: string | undefined,
        options: { dagId?: string; conf?: string; maxRetryDelay?: string },
      ) => {
        const dag = await loadDagForCli(fileOrId, dagLookupFolders(), options.dagId);
        const conf = parseConf(options.conf);
        const store = openStoreReader(cliConfig());
        const result = await dag.test({
          logicalDate: parseLogicalDate(logicalDate),
          conf,
          maxRetryDelay: options.maxRetryDelay,
          // As Airflow's `dags test`: the Variables and Connections the scheduler's tasks would see.
          variables: store.variables(),
          connections: store.connections(),
        });
        process.stdout.write(`\n${result.toString()}\n`);
        for (const task of result.tasks) {
          if (task.state === "failed" && task.error)
            process.stderr.write(`${task.taskId} failed: ${task.error.name}: ${task.error.message}\n`);
        }
        process.exitCode = result.succeeded ? 0 : 1;
      },
    );

  dags
    .command("show")
    .description("Draw a DAG's graph: in the terminal, or as Graphviz DOT or SVG")
    .argument("<file-or-dag-id>")
    .option("--dag-id <id>", "which DAG, when the file defines several")
    .option("--dot [file]", "write Graphviz DOT (to stdout without a file)")
    .option("--svg [file]", "write an SVG drawing (to stdout without a file)")
    .action(async (fileOrId: string, options: { dagId?: string; dot?: string | boolean; svg?: string | boolean }) => {
      const dag = await loadDagForCli(fileOrId, dagLookupFolders(), options.dagId);
      const input = dag.toGraphInput();
      if (options.dot !== undefined) await emit(renderDot(input), options.dot);
      else if (options.svg !== undefined) await emit(renderSvg(input), options.svg);
      else process.stdout.write(`${renderAscii(input)}\n`);
    });

  registerDagStateCommands(dags);
  registerExplainCommand(dags);
  return dags;
}

async function emit(text: string, target: string | boolean): Promise<void> {
  if (typeof target === "string") {
    await writeFile(target, text);
    process.stdout.write(`Wrote ${target}\n`);
  } else {
    process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }
}
