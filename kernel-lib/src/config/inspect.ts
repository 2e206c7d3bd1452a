import { escapePercent, interpolate } from "./interpolate.js";
import { closestMatch } from "../util/editDistance.js";
import { canonicalName, findEntry, SCHEMA_ENTRIES, spellingsOf, type SchemaEntry } from "./schema.js";
import type { ConfigSource, KitelabConfig, UnusedKey } from "./types.js";

/** One effective key, as `kitelab config list` shows it. */
export interface ConfigRow {
  readonly section: string;
  readonly key: string;
  /** The effective value as text (booleans as True/False, paths absolute); secrets unmasked. */
  readonly value: string;
  readonly secret: boolean;
  /** "default", "FILE line N" or "env VAR". */
  readonly source: string;
}

/** Printed in place of secret values. */
export const MASK = "***";

/** Names of keys Kitelab does not read that still look like credentials, masked by `list`. */
const SECRET_LOOKING = /password|secret|token|fernet|_conn$|broker_url|result_backend|dsn|basic_auth|kwargs/;

/** "default", "/home/ada/kitelab/airflow.cfg line 12" or "env KITELAB__CORE__LOAD_EXAMPLES". */
export function describeSource(source: ConfigSource): string {
  if (source.kind === "file") return `${source.file} line ${source.line}`;
  if (source.kind === "env") return `env ${source.envVar}`;
  return "default";
}

function effectiveText(config: KitelabConfig, entry: SchemaEntry): string {
  const section = config[entry.section] as unknown as Record<string, unknown>;
  return entry.spec.kind.format(section[entry.field]);
}

/** Every key Kitelab reads, with its effective value and source, in airflow.cfg.example's order. */
export function configRows(config: KitelabConfig): ConfigRow[] {
  return SCHEMA_ENTRIES.map((entry) => {
    const source = config.sources[canonicalName(entry)] ?? { kind: "default" as const };
    return {
      section: entry.section,
      key: entry.spec.key,
      value: effectiveText(config, entry),
      secret: entry.spec.secret === true,
      source: describeSource(source) + spellingNote(source, entry),
    };
  });
}

/** " ([core] dag_dir_list_interval)" when the value was read under another spelling than the canonical one. */
function spellingNote(source: ConfigSource, entry: SchemaEntry): string {
  if (source.kind !== "file" || (source.section === entry.section && source.key === entry.spec.key)) return "";
  return ` ([${source.section}] ${source.key})`;
}

/** Rows for keys Kitelab does not read; values that look like credentials are marked secret. */
export function unusedRows(config: KitelabConfig): (ConfigRow & { readonly note?: string })[] {
  return config.unused.map((unused) => ({
    section: unused.section,
    key: unused.key,
    value: unusedValue(config, unused),
    secret: SECRET_LOOKING.test(unused.key),
    source: unused.envVar ? `env ${unused.envVar}` : `${unused.file} line ${unused.line}`,
    ...(unused.note ? { note: unused.note } : {}),
  }));
}

/**
 * The value `kitelab config get-value SECTION KEY` prints: the effective value of a key
 * Kitelab reads (under any of its spellings), else the value of a key it does not read but
 * that the file or environment sets; undefined when neither. Secrets are not masked.
 */
export function getConfigValue(config: KitelabConfig, section: string, key: string): string | undefined {
  const entry = findEntry(section, key);
  if (entry) return effectiveText(config, entry);
  const wanted = (unused: UnusedKey) => unused.section === section.toLowerCase() && unused.key === key.toLowerCase();
  const fromEnv = config.unused.find((unused) => unused.envVar?.startsWith("KITELAB__") && wanted(unused));
  const found =
    fromEnv ??
    config.unused.find((unused) => unused.envVar !== undefined && wanted(unused)) ??
    config.unused.find(wanted);
  return found ? unusedValue(config, found) : undefined;
}

/** An unused key's value with %% and %(name)s resolved as configparser would, or as written when that fails. */
function unusedValue(config: KitelabConfig, unused: UnusedKey): string {
  if (unused.envVar) return unused.value;
  const sameSection = config.unused.filter((other) => other.section === unused.section && other.file !== undefined);
  const text = interpolate(unused.value, (name) => sameSection.find((other) => other.key === name)?.value);
  return text.ok ? text.text : unused.value;
}

/** A key Kitelab reads whose spelling is close to `[section] key`, as `[core/dags_folder]`. */
export function suggestConfigKey(section: string, key: string): string | undefined {
  const names = SCHEMA_ENTRIES.flatMap((entry) => spellingsOf(entry)).map(
    (spelling) => `${spelling.section}/${spelling.key}`,
  );
  return closestMatch(`${section}/${key}`, names);
}

/** True when the section holds a key Kitelab reads or one the file or environment sets. */
export function hasSection(config: KitelabConfig, section: string): boolean {
  const name = section.toLowerCase();
  return (
    SCHEMA_ENTRIES.some((entry) => entry.section === name) || config.unused.some((unused) => unused.section === name)
  );
}

/**
 * The effective configuration as airflow.cfg text, with each value's source as a comment
 * above it, as `airflow config list --include-sources` prints it. Reads back to the same values.
 */
export function renderIni(
  rows: readonly (ConfigRow & { readonly note?: string })[],
  options: { maskSecrets: boolean },
): string {
  const out: string[] = [];
  let section: string | undefined;
  for (const row of rows) {
    if (row.section !== section) {
      if (section !== undefined) out.push("");
      out.push(`[${row.section}]`);
      section = row.section;
    }
    out.push(`# source: ${row.source}${row.note ? `; ${row.note}` : ""}`);
    const value =
      options.maskSecrets && row.secret && row.value !== "" ? MASK : escapePercent(row.value).replace(/\n/g, "\n    ");
    out.push(`${row.key} = ${value}`.trimEnd());
  }
  return out.length > 0 ? `${out.join("\n")}\n` : "";
}
