import type { Command } from "commander";
import {
  configRows,
  getConfigValue,
  suggestConfigKey,
  hasSection,
  loadConfig,
  MASK,
  renderIni,
  unusedRows,
  type ConfigRow,
  type KitelabConfig,
} from "../../config/index.js";
import { CliError, formatTable } from "../output.js";

type ListFormat = "ini" | "table" | "json";

/**
 * Adds the global `--config PATH` option and `kitelab config get-value | list`.
 * Other commands read the configuration with `loadCliConfig(command)`.
 */
export function registerConfigCommands(program: Command): void {
  if (!program.options.some((option) => option.long === "--config")) {
    program.option("--config <path>", "the config file to read (default: $KITELAB_HOME/airflow.cfg)");
  }
  const config = program.command("config").description("Show the configuration (airflow.cfg and KITELAB__ variables)");

  config
    .command("get-value")
    .description("Print the effective value of one key (secrets included)")
    .argument("<section>", "a section such as core")
    .argument("<key>", "a key such as dags_folder")
    .action((section: string, key: string, _options: unknown, command: Command) => {
      const loaded = loadCliConfig(command);
      const value = getConfigValue(loaded, section, key);
      if (value === undefined) {
        const close = suggestConfigKey(section, key);
        process.stderr.write(
          `The option [${section}/${key}] is not found in config.${close ? ` Did you mean [${close}]?` : ""}\n`,
        );
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`${value}\n`);
    });

  config
    .command("list")
    .description("Print the effective configuration with where each value came from (secrets as ***)")
    .option("--section <section>", "only this section")
    .option("--unused", "only the keys Kitelab does not read (Airflow's other settings)")
    .option("--output <format>", "ini, table or json", "ini")
    .action((options: { section?: string; unused?: boolean; output: string }, command: Command) => {
      const format = parseListFormat(options.output);
      const loaded = loadCliConfig(command);
      let rows: (ConfigRow & { note?: string })[] = options.unused ? unusedRows(loaded) : configRows(loaded);
      if (options.section !== undefined) {
        if (!hasSection(loaded, options.section)) {
          process.stderr.write(`The section [${options.section}] is not found in config.\n`);
          process.exitCode = 1;
          return;
        }
        rows = rows.filter((row) => row.section === options.section!.toLowerCase());
      }
      process.stdout.write(renderList(loaded, rows, format, options.unused === true));
    });
}

/**
 * Loads the configuration for a CLI command: `--config PATH` if given (on any level of the
 * command line), else `$KITELAB_HOME/airflow.cfg`; a bad configuration stops with every problem.
 */
export function loadCliConfig(command: Command, env: NodeJS.ProcessEnv = process.env): KitelabConfig {
  const path = (command.optsWithGlobals() as { config?: string }).config;
  const loaded = loadConfig({ env, ...(path !== undefined ? { path } : {}) });
  if (!loaded.ok) throw new CliError(loaded.error.message);
  return loaded.value;
}

function parseListFormat(value: string): ListFormat {
  if (value === "ini" || value === "table" || value === "json") return value;
  throw new CliError(`--output must be one of ini, table, json; got "${value}"`);
}

function masked(row: ConfigRow): string {
  return row.secret && row.value !== "" ? MASK : row.value;
}

function renderList(
  config: KitelabConfig,
  rows: readonly (ConfigRow & { note?: string })[],
  format: ListFormat,
  unused: boolean,
): string {
  if (format === "json") {
    const items = rows.map((row) => ({
      section: row.section,
      key: row.key,
      value: masked(row),
      source: row.source,
      ...(row.note ? { note: row.note } : {}),
    }));
    return `${JSON.stringify(items, null, 2)}\n`;
  }
  if (format === "table") {
    if (rows.length === 0) return "(nothing to show)\n";
    const columns = [
      { header: "section", value: (row: ConfigRow) => row.section },
      { header: "key", value: (row: ConfigRow) => row.key },
      { header: "value", value: (row: ConfigRow) => masked(row).replace(/\n/g, "\\n") },
      { header: "source", value: (row: ConfigRow) => row.source },
    ];
    return `${formatTable(rows, columns)}\n`;
  }
  const header = [
    `# Kitelab home: ${config.home}`,
    `# Config file: ${config.path}${config.fileExists ? "" : " (does not exist yet: defaults are used; the scheduler writes it on first start)"}`,
    ...(unused ? ["# Keys Kitelab does not read: accepted for compatibility with Airflow, and ignored."] : []),
    ...config.notes.map((note) => `# Note: ${note}`),
  ];
  const shortRows = rows.map((row) => ({ ...row, source: row.source.replace(`${config.path} line`, "line") }));
  const body = rows.length > 0 ? renderIni(shortRows, { maskSecrets: true }) : unused ? "# (none)\n" : "";
  return `${header.join("\n")}\n\n${body}`;
}
