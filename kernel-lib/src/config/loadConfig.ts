import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { err, ok, type Result, InternalError } from "../errors.js";
import { ConfigError, problemPlace, type ConfigProblem } from "./configError.js";
import { configPathIn, resolveHome, userHomeOf, type ConfigEnv } from "./home.js";
import { parseIni, type IniDocument, type IniEntry } from "./ini.js";
import { interpolate } from "./interpolate.js";
import { canonicalName, findEntry, SCHEMA_ENTRIES, spellingsOf, type SchemaEntry, type Spelling } from "./schema.js";
import type { ConfigSource, KitelabConfig, UnusedKey } from "./types.js";
import { expandHomePlaceholders, type ValueContext } from "./values.js";

export interface LoadConfigOptions {
  /**
   * The config file (`--config PATH`), else `$KITELAB_CONFIG` (Airflow's AIRFLOW_CONFIG), else
   * `HOME/airflow.cfg`. A file named by either of the first two must exist.
   */
  readonly path?: string;
  /** The Kitelab home. @default resolveHome(env) */
  readonly home?: string;
  /** Where KITELAB_HOME, KITELAB_CONFIG, HOME and the KITELAB__/AIRFLOW__ overrides are read. @default process.env */
  readonly env?: ConfigEnv;
}

/** The env-variable prefixes, highest precedence first. */
const ENV_PREFIXES = ["KITELAB", "AIRFLOW"] as const;

const UNUSED_NOTES: Record<string, string> = {
  "database.sql_alchemy_conn": "Kitelab has no SQL database; it keeps its state at [database] store_path",
};

/** A value found for a setting, before it is checked. */
interface Candidate {
  readonly spelling: Spelling;
  readonly raw: string;
  readonly source: ConfigSource;
  /** Text after %-interpolation (file values only) or the reason it failed. */
  readonly text: { ok: true; text: string } | { ok: false; reason: string };
}

/**
 * Reads the configuration: defaults, then the file, then KITELAB__SECTION__KEY (or
 * AIRFLOW__SECTION__KEY) environment variables. Never throws for a bad file: every problem
 * found is returned in one ConfigError. A file that does not exist is fine when it is the
 * home's default one (defaults are used), an error when `path` names it.
 *
 * @example
 * const loaded = loadConfig({ env: process.env });
 * if (!loaded.ok) { console.error(loaded.error.message); process.exit(1); }
 * loaded.value.scheduler.dagDirListInterval; // 300
 */
export function loadConfig(options: LoadConfigOptions = {}): Result<KitelabConfig, ConfigError> {
  const env = options.env ?? process.env;
  const home = resolve(options.home ?? resolveHome(env));
  const explicitPath = options.path ?? (env.KITELAB_CONFIG?.trim() ? env.KITELAB_CONFIG : undefined);
  const path = explicitPath !== undefined ? resolve(explicitPath) : configPathIn(home);
  const problems: ConfigProblem[] = [];

  const read = readConfigText(path, explicitPath !== undefined);
  if (read.problem) problems.push(read.problem);
  const document: IniDocument = parseIni(read.text ?? "");
  for (const problem of document.problems) {
    problems.push({
      ...problem,
      file: path,
      message: `${problemPlace({ file: path, line: problem.line })}${problem.message}`,
    });
  }

  const context: ValueContext = { home, userHome: userHomeOf(env) };
  const sections: Record<string, Record<string, unknown>> = {};
  const sources: Record<string, ConfigSource> = {};
  const notes: string[] = [];

  for (const entry of SCHEMA_ENTRIES) {
    const candidates = candidatesFor(entry, document, path, env);
    const chosen = candidates[0];
    for (const shadowed of candidates.slice(1)) {
      notes.push(`${describeCandidate(shadowed)} is not used: ${describeCandidate(chosen!)} takes precedence`);
    }
    sources[canonicalName(entry)] = chosen?.source ?? { kind: "default" };
    const value = chosen
      ? checkCandidate(chosen, entry, context, problems)
      : entry.spec.kind.parse(expandHomePlaceholders(entry.spec.default, home), context);
    if (!value.ok) {
      if (!chosen) throw new InternalError(`Kitelab's default for ${canonicalName(entry)} is invalid: ${value.reason}`);
      continue;
    }
    (sections[entry.section] ??= {})[entry.field] = value.value;
  }
  checkSmtpSecurity(sections, sources, problems);

  if (problems.length > 0) return err(new ConfigError(inReadingOrder(problems)));
  const config = {
    home,
    path,
    fileExists: read.text !== undefined,
    ...Object.fromEntries(Object.entries(sections).map(([name, fields]) => [name, Object.freeze(fields)])),
    sources: Object.freeze(sources),
    unused: Object.freeze(unusedKeys(document, path, env).map((key) => Object.freeze(key))),
    notes: Object.freeze(notes),
  };
  return ok(Object.freeze(config) as unknown as KitelabConfig);
}

/** Like `loadConfig`, but throws the ConfigError: for start-up code that cannot go on without a config. */
export function loadConfigOrThrow(options: LoadConfigOptions = {}): KitelabConfig {
  const loaded = loadConfig(options);
  if (!loaded.ok) throw loaded.error;
  return loaded.value;
}

/** Problems in the file by line (a file that cannot be read first), then those in environment variables. */
function inReadingOrder(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const rank = (problem: ConfigProblem) => (problem.envVar ? Number.MAX_SAFE_INTEGER : (problem.line ?? 0));
  return [...problems].sort((a, b) => rank(a) - rank(b));
}

function readConfigText(path: string, explicit: boolean): { text?: string; problem?: ConfigProblem } {
  try {
    return { text: readFileSync(path, "utf8") };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && !explicit) return {};
    const why =
      code === "ENOENT"
        ? "no such file; check the --config path (or $KITELAB_CONFIG), or leave it out to use the Kitelab home's airflow.cfg"
        : code === "EISDIR"
          ? "is a folder, not a file; point --config at the airflow.cfg inside it"
          : `cannot be read (${code ?? String(error)}); check its permissions`;
    return { problem: { file: path, message: `${path}: ${why}` } };
  }
}

function candidatesFor(entry: SchemaEntry, document: IniDocument, path: string, env: ConfigEnv): Candidate[] {
  const spellings = spellingsOf(entry);
  const found: Candidate[] = [];
  for (const prefix of ENV_PREFIXES) {
    for (const spelling of spellings) {
      const envVar = envVarName(prefix, spelling);
      const raw = env[envVar];
      if (raw !== undefined)
        found.push({ spelling, raw, source: { kind: "env", envVar }, text: { ok: true, text: raw } });
    }
  }
  for (const spelling of spellings) {
    const section = document.sections.get(spelling.section);
    const line = section?.entries.get(spelling.key);
    if (!section || !line) continue;
    found.push({
      spelling,
      raw: line.value,
      source: { kind: "file", file: path, line: line.line, section: spelling.section, key: spelling.key },
      text: interpolateIn(section.entries, document, line),
    });
  }
  return found;
}

function interpolateIn(
  entries: ReadonlyMap<string, IniEntry>,
  document: IniDocument,
  line: IniEntry,
): Candidate["text"] {
  const defaults = document.sections.get("default")?.entries;
  return interpolate(line.value, (name) => entries.get(name)?.value ?? defaults?.get(name)?.value);
}

/** `KITELAB__CORE__DAGS_FOLDER` */
export function envVarName(prefix: string, spelling: Spelling): string {
  return `${prefix}__${spelling.section.toUpperCase()}__${spelling.key.toUpperCase()}`;
}

function checkCandidate(candidate: Candidate, entry: SchemaEntry, context: ValueContext, problems: ConfigProblem[]) {
  const outcome = candidate.text.ok
    ? entry.spec.kind.parse(expandHomePlaceholders(candidate.text.text, context.home), context)
    : candidate.text;
  if (!outcome.ok) {
    const { section, key } = candidate.spelling;
    const head = candidate.raw === "" ? `[${section}] ${key}` : `[${section}] ${key} = ${showValue(candidate.raw)}`;
    const where = placeOf(candidate.source);
    problems.push({
      ...where,
      section,
      key,
      value: candidate.raw,
      message: `${problemPlace(where)}${head} ${outcome.reason}`,
    });
  }
  return outcome;
}

function placeOf(source: ConfigSource): { file?: string; line?: number; envVar?: string } {
  if (source.kind === "file") return { file: source.file, line: source.line };
  if (source.kind === "env") return { envVar: source.envVar };
  return {};
}

function showValue(raw: string): string {
  return raw.includes("\n") ? JSON.stringify(raw) : raw;
}

function describeCandidate(candidate: Candidate): string {
  const { section, key } = candidate.spelling;
  const source = candidate.source;
  if (source.kind === "env") return `${source.envVar} (for [${section}] ${key})`;
  if (source.kind === "file") return `[${section}] ${key} on line ${source.line}`;
  return `[${section}] ${key}`;
}

/** SSL from the start and a STARTTLS upgrade exclude each other, as they do in Airflow's smtplib. */
function checkSmtpSecurity(
  sections: Record<string, Record<string, unknown>>,
  sources: Record<string, ConfigSource>,
  problems: ConfigProblem[],
): void {
  const smtp = sections.smtp;
  if (!smtp || smtp.smtpSsl !== true || smtp.smtpStarttls !== true) return;
  const source =
    sources["smtp.smtp_ssl"]?.kind !== "default" ? sources["smtp.smtp_ssl"]! : sources["smtp.smtp_starttls"]!;
  const where = placeOf(source);
  problems.push({
    ...where,
    section: "smtp",
    key: "smtp_ssl",
    value: "True",
    message: `${problemPlace(where)}[smtp] smtp_ssl = True and smtp_starttls = True cannot both be on; set smtp_starttls = False to use TLS from the start (usually port 465), or smtp_ssl = False to upgrade with STARTTLS (usually port 587)`,
  });
}

function unusedKeys(document: IniDocument, path: string, env: ConfigEnv): UnusedKey[] {
  const unused: UnusedKey[] = [];
  for (const section of document.sections.values()) {
    for (const entry of section.entries.values()) {
      if (findEntry(section.name, entry.key)) continue;
      const note = UNUSED_NOTES[`${section.name}.${entry.key}`];
      unused.push({
        section: section.name,
        key: entry.key,
        value: entry.value,
        file: path,
        line: entry.line,
        ...(note ? { note } : {}),
      });
    }
  }
  for (const [envVar, value] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    const match = /^(?:KITELAB|AIRFLOW)__(.+?)__(.+)$/.exec(envVar);
    if (!match || value === undefined) continue;
    const section = match[1]!.toLowerCase();
    const key = match[2]!.toLowerCase();
    if (findEntry(section, key)) continue;
    const note = UNUSED_NOTES[`${section}.${key}`];
    unused.push({ section, key, value, envVar, ...(note ? { note } : {}) });
  }
  return unused;
}
