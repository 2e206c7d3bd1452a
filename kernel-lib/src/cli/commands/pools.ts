import type { Command } from "commander";
import { openStoreReader } from "../../persistence/index.js";
import { CliError, parseOutputFormat, printRows } from "../output.js";
import { loadCliConfig } from "./config.js";

/** `kitelab pools set|list|delete`: named limits on how many tasks run at once (a task's `pool`). */
export function registerPoolCommands(program: Command): void {
  const pools = program
    .command("pools")
    .description("Pools: a named number of slots that limits how many tasks using it run at once");
  const store = (command: Command) => openStoreReader(loadCliConfig(command));

  pools
    .command("set")
    .argument("<name>")
    .argument("<slots>")
    .argument("[description]")
    .description("Create or resize a pool (takes effect while the scheduler runs)")
    .action(
      async (name: string, slotsText: string, description: string | undefined, _options: unknown, command: Command) => {
        if (!/^[A-Za-z0-9_.-]+$/.test(name))
          throw new CliError(`pool name "${name}" may contain only letters, digits, "_", "-" and "."`);
        const slots = Number(slotsText);
        if (!Number.isInteger(slots) || slots < 0)
          throw new CliError(`slots must be a whole number of 0 or more, got "${slotsText}"`);
        await store(command).updateShared((shared) => {
          shared.pools[name] = { name, slots, ...(description ? { description } : {}) };
        });
        process.stdout.write(`Pool ${name} has ${slots} slot(s)\n`);
      },
    );

  pools
    .command("list")
    .option("-o, --output <format>", "table or json", "table")
    .action((options: { output: string }, command: Command) => {
      printRows(
        store(command).poolRecords(),
        [
          { header: "pool", value: (pool) => pool.name },
          { header: "slots", value: (pool) => pool.slots },
          { header: "description", value: (pool) => pool.description ?? "" },
        ],
        parseOutputFormat(options.output),
      );
    });

  pools
    .command("delete")
    .argument("<name>")
    .action(async (name: string, _options: unknown, command: Command) => {
      if (name === "default_pool")
        throw new CliError("default_pool cannot be deleted; resize it with kitelab pools set default_pool N");
      const target = store(command);
      if (!target.poolRecords().some((pool) => pool.name === name)) throw new CliError(`Pool ${name} does not exist`);
      await target.updateShared((shared) => {
        delete shared.pools[name];
      });
      process.stdout.write(`Pool ${name} deleted\n`);
    });
}
