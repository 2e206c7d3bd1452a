import { readFileSync, writeFileSync } from "node:fs";
import { runningScheduler } from "../scheduler/endpoint.js";
import { ensureConfigFile, loadConfig, resolveHome, writeConfigValue } from "../config/index.js";
import { SCHEMA_ENTRIES, spellingsOf } from "../config/schema.js";
import { describeValue, ValidationError } from "../errors.js";
import { editDistance } from "../util/editDistance.js";
import { escapeHtml, htmlTable, show } from "./display.js";

/** airflow.cfg settings by section and key, as the file spells them. */
export type ConfigSettings = Record<string, Record<string, string | number | boolean>>;

export interface ConfigureOptions {
  /** The Kitelab home whose airflow.cfg to edit. @default $KITELAB_HOME, else ~/kitelab */
  home?: string;
  /** Print nothing. @default false */
  quiet?: boolean;
}

/**
 * Sets keys in the home's airflow.cfg (created with every default when missing), keeping
 * its other lines and comments. A value Kitelab refuses, or a key it does not read, leaves
 * the file as it was and throws, naming the key. The scheduler reads the file when it
 * starts: restart a running one for the change to apply.
 * @example
 * configure({ core: { dags_folder: "/home/you/lab1/dags", load_examples: false }, scheduler: { dag_dir_list_interval: 30 } });
 */
export function configure(settings: ConfigSettings, options: ConfigureOptions = {}): string {
  const rows = settingRows(settings);
  const home = options.home ?? resolveHome(process.env);
  const { path } = ensureConfigFile(home);
  const before = readFileSync(path, "utf8");
  try {
    for (const row of rows) writeConfigValue(path, row.section, row.key, row.value);
    const loaded = loadConfig({ home, env: process.env });
    if (!loaded.ok) throw new ValidationError(loaded.error.message);
    const unread = rows.filter((row) =>
      loaded.value.unused.some((unused) => unused.section === row.section && unused.key === row.key),
    );
    if (unread.length > 0) {
      throw new ValidationError(
        `Kitelab does not read ${unread.map((row) => `[${row.section}] ${row.key}${suggestion(row.section, row.key)}`).join(", ")}; check the spelling against airflow.cfg.example (\`kitelab config list\` shows every key)`,
      );
    }
  } catch (error) {
    writeFileSync(path, before);
    throw error;
  }
  if (!options.quiet) {
    const running = runningScheduler(home);
    const note = running
      ? ` The scheduler (pid ${running.pid}) read the file when it started: \`await kitelab.restart()\` (or Restart in JupyterLab's Kitelab panel) applies these.`
      : "";
    show(
      `<div style="font-size:13px">Set in <code>${escapeHtml(path)}</code>:${escapeHtml(note)}</div>` +
        htmlTable(
          ["section", "key", "value"],
          rows.map((row) => [`[${row.section}]`, row.key, row.value]),
        ),
      `Set in ${path}:${note}\n${rows.map((row) => `[${row.section}] ${row.key} = ${row.value}`).join("\n")}`,
    );
  }
  return path;
}

function suggestion(section: string, key: string): string {
  const candidates = SCHEMA_ENTRIES.flatMap((entry) => spellingsOf(entry)).map((spelling) => ({
    ...spelling,
    distance: editDistance(`${section}.${key}`.toLowerCase(), `${spelling.section}.${spelling.key}`),
  }));
  const best = candidates.sort((a, b) => a.distance - b.distance)[0];
  return best && best.distance <= 3 ? ` (did you mean [${best.section}] ${best.key}?)` : "";
}

function settingRows(settings: unknown): Array<{ section: string; key: string; value: string }> {
  if (typeof settings !== "object" || settings === null || Array.isArray(settings)) {
    throw new ValidationError(
      `Expected settings by section, such as { core: { load_examples: false } }, got ${describeValue(settings)}`,
    );
  }
  const rows: Array<{ section: string; key: string; value: string }> = [];
  for (const [section, keys] of Object.entries(settings)) {
    if (typeof keys !== "object" || keys === null || Array.isArray(keys)) {
      throw new ValidationError(
        `Expected [${section}] to hold keys and values, such as { load_examples: false }, got ${describeValue(keys)}`,
      );
    }
    for (const [key, value] of Object.entries(keys as Record<string, unknown>)) {
      if (typeof value === "boolean") rows.push({ section, key, value: value ? "True" : "False" });
      else if (typeof value === "number" && Number.isFinite(value)) rows.push({ section, key, value: String(value) });
      else if (typeof value === "string") rows.push({ section, key, value });
      else
        throw new ValidationError(
          `Expected [${section}] ${key} to be a string, number or boolean, got ${describeValue(value)}`,
        );
    }
  }
  if (rows.length === 0)
    throw new ValidationError("Expected at least one setting, such as { core: { load_examples: false } }");
  return rows;
}
