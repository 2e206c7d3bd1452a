import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { openStoreReader } from "../../persistence/index.js";
import { isSensitiveName, MASK } from "../../util/secrets.js";
import { CliError, parseOutputFormat, printRows } from "../output.js";
import { loadCliConfig } from "./config.js";

const KEY_PATTERN = /^[A-Za-z0-9_.-]+$/;

function checkKey(key: string): string {
  if (!KEY_PATTERN.test(key))
    throw new CliError(`variable key "${key}" may contain only letters, digits, "_", "-" and "."`);
  return key;
}

/** `kitelab variables set|get|list|delete|import|export`: works while a scheduler runs. */
export function registerVariableCommands(program: Command): void {
  const variables = program
    .command("variables")
    .description("Variables: key/value settings tasks read (var.value.KEY)");
  const store = (command: Command) => openStoreReader(loadCliConfig(command));

  variables
    .command("set")
    .argument("<key>")
    .argument("<value>")
    .option("--description <text>")
    .description("Set a variable (tasks see it on their next attempt)")
    .action(async (key: string, value: string, options: { description?: string }, command: Command) => {
      await store(command).updateShared((shared) => {
        shared.variables[checkKey(key)] = {
          value,
          ...(options.description ? { description: options.description } : {}),
        };
      });
      process.stdout.write(
        `Variable ${key} set${isSensitiveName(key) ? " (its name marks it secret: it is shown as *** everywhere)" : ""}\n`,
      );
    });

  variables
    .command("get")
    .argument("<key>")
    .option("--reveal", "print a secret-named variable's value instead of ***")
    .option("-d, --default <value>", "print this when the variable is not set")
    .description("Print a variable's value")
    .action((key: string, options: { reveal?: boolean; default?: string }, command: Command) => {
      const value = store(command).variables()[key];
      if (value === undefined) {
        if (options.default !== undefined) return void process.stdout.write(`${options.default}\n`);
        throw new CliError(`Variable ${key} does not exist`);
      }
      process.stdout.write(`${isSensitiveName(key) && !options.reveal ? MASK : value}\n`);
    });

  variables
    .command("list")
    .option("-o, --output <format>", "table or json", "table")
    .description("List variables (secret-named ones as ***)")
    .action((options: { output: string }, command: Command) => {
      const rows = store(command)
        .variableRecords()
        .map((variable) => ({ ...variable, value: isSensitiveName(variable.key) ? MASK : variable.value }));
      printRows(
        rows,
        [
          { header: "key", value: (row) => row.key },
          { header: "value", value: (row) => row.value },
          { header: "description", value: (row) => row.description ?? "" },
        ],
        parseOutputFormat(options.output),
      );
    });

  variables
    .command("delete")
    .argument("<key>")
    .description("Delete a variable")
    .action(async (key: string, _options: unknown, command: Command) => {
      const target = store(command);
      if (target.variables()[key] === undefined) throw new CliError(`Variable ${key} does not exist`);
      await target.updateShared((shared) => {
        delete shared.variables[key];
      });
      process.stdout.write(`Variable ${key} deleted\n`);
    });

  variables
    .command("import")
    .argument("<file>", 'a JSON file: { "key": "value", ... } (objects are stored as JSON text)')
    .description("Set every variable of a JSON file")
    .action(async (file: string, _options: unknown, command: Command) => {
      let data: unknown;
      try {
        data = JSON.parse(readFileSync(file, "utf8"));
      } catch (error) {
        throw new CliError(`cannot read ${file} as JSON: ${(error as Error).message}`);
      }
      if (typeof data !== "object" || data === null || Array.isArray(data))
        throw new CliError(`${file} must hold a JSON object of key: value pairs`);
      const entries = Object.entries(data as Record<string, unknown>);
      for (const [key] of entries) checkKey(key);
      await store(command).updateShared((shared) => {
        for (const [key, value] of entries)
          shared.variables[key] = { value: typeof value === "string" ? value : JSON.stringify(value) };
      });
      process.stdout.write(`${entries.length} of ${entries.length} variables successfully updated.\n`);
    });

  variables
    .command("export")
    .argument("<file>")
    .description("Write every variable to a JSON file (real values: keep the file private)")
    .action((file: string, _options: unknown, command: Command) => {
      const all = store(command).variables();
      writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
      process.stdout.write(`${Object.keys(all).length} variables successfully exported to ${file}\n`);
    });
}
