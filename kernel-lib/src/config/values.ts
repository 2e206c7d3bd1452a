import { isAbsolute, join, resolve } from "node:path";

/**
 * How one kind of value is read from its text and written back. `parse` answers either the
 * value or the end of a sentence that starts with "[section] key = text ", for example
 * "is not a boolean; use True or False".
 */
export interface ValueKind<T> {
  /** What a reader of airflow.cfg.example is told to write, e.g. "True or False". */
  readonly accepted: string;
  parse(text: string, context: ValueContext): { ok: true; value: T } | { ok: false; reason: string };
  format(value: T): string;
}

/** What paths are resolved against. */
export interface ValueContext {
  /** The Kitelab home (absolute). */
  readonly home: string;
  /** The user's home folder, for `~`. */
  readonly userHome: string;
}

const TRUE_WORDS = new Set(["true", "t", "1", "yes", "on"]);
const FALSE_WORDS = new Set(["false", "f", "0", "no", "off"]);

/**
 * Reads a boolean as Airflow does: True/False, t/f, 1/0, yes/no, on/off, in any case;
 * like Airflow's `getboolean`, text after a `#` is dropped. Undefined for anything else.
 */
export function parseBoolean(text: string): boolean | undefined {
  const word = text.split("#")[0]!.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

/** Replaces `{KITELAB_HOME}` and `{AIRFLOW_HOME}`: both mean the Kitelab home. */
export function expandHomePlaceholders(text: string, home: string): string {
  return text.replace(/\{(?:KITELAB_HOME|AIRFLOW_HOME)\}/g, () => home);
}

export const booleanKind: ValueKind<boolean> = {
  accepted: "True or False",
  parse(text) {
    const value = parseBoolean(text);
    return value === undefined ? { ok: false, reason: "is not a boolean; use True or False" } : { ok: true, value };
  },
  format: (value) => (value ? "True" : "False"),
};

/** A whole number in [min, max]; `unit` names what it counts ("seconds"). */
export function integerKind(options: { min: number; max?: number; unit?: string }): ValueKind<number> {
  const { min, max, unit } = options;
  const what = unit ? `a whole number of ${unit}` : "a whole number";
  const range = max !== undefined ? `from ${min} to ${max}` : min === 0 ? "0 or more" : `${min} or more`;
  const accepted = `${what}, ${range}`;
  return {
    accepted,
    parse(text) {
      const trimmed = text.trim();
      if (!/^[+-]?\d+$/.test(trimmed)) return { ok: false, reason: `is not ${what}; use ${accepted}` };
      const value = Number(trimmed);
      if (value < min)
        return { ok: false, reason: `${min === 0 ? "is negative" : `is less than ${min}`}; use ${accepted}` };
      if (max !== undefined && value > max) return { ok: false, reason: `is more than ${max}; use ${accepted}` };
      return { ok: true, value };
    },
    format: (value) => String(value),
  };
}

/** A TCP port; `allowZero` lets the system pick a free one. */
export function portKind(allowZero: boolean): ValueKind<number> {
  const min = allowZero ? 0 : 1;
  const accepted = `a port number from ${min} to 65535${allowZero ? " (0 picks a free port)" : ""}`;
  return {
    accepted,
    parse(text) {
      const trimmed = text.trim();
      const value = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
      if (Number.isInteger(value) && value >= min && value <= 65535) return { ok: true, value };
      return { ok: false, reason: `is not a valid port; use ${accepted}` };
    },
    format: (value) => String(value),
  };
}

/** A number greater than zero, such as 30.0 seconds. */
export function positiveNumberKind(unit: string): ValueKind<number> {
  const accepted = `a number of ${unit} greater than 0, such as 30.0`;
  return {
    accepted,
    parse(text) {
      const trimmed = text.trim();
      const value = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(trimmed) ? Number(trimmed) : Number.NaN;
      if (Number.isNaN(value)) return { ok: false, reason: `is not a number; use ${accepted}` };
      if (!(value > 0) || !Number.isFinite(value))
        return { ok: false, reason: `is not greater than 0; use ${accepted}` };
      return { ok: true, value };
    },
    format: (value) => (Number.isInteger(value) ? value.toFixed(1) : String(value)),
  };
}

/** One of a closed list, matched case-insensitively and answered in its canonical spelling. */
export function choiceKind<C extends string>(
  noun: string,
  choices: readonly C[],
  insteadOf: Readonly<Record<string, string>> = {},
): ValueKind<C> {
  const accepted = listWords(choices);
  return {
    accepted,
    parse(text) {
      const found = choices.find((choice) => choice.toLowerCase() === text.trim().toLowerCase());
      if (found) return { ok: true, value: found };
      const hint = Object.entries(insteadOf).find(([other]) => other.toLowerCase() === text.trim().toLowerCase())?.[1];
      return { ok: false, reason: `is not a known ${noun}; use ${accepted}${hint ? ` (${hint})` : ""}` };
    },
    format: (value) => value,
  };
}

/** Free text; `nonEmpty` refuses an empty value, `check` adds a rule of its own. */
export function textKind(
  options: { accepted?: string; nonEmpty?: boolean; check?: (text: string) => string | undefined } = {},
): ValueKind<string> {
  return {
    accepted: options.accepted ?? "any text",
    parse(text) {
      if (options.nonEmpty && text === "")
        return { ok: false, reason: `is empty; use ${options.accepted ?? "a value"}` };
      const reason = text === "" ? undefined : options.check?.(text);
      return reason ? { ok: false, reason } : { ok: true, value: text };
    },
    format: (value) => value,
  };
}

/**
 * A file or folder path. `{KITELAB_HOME}` is expanded before (by the loader), `~` means the
 * user's home folder, and a relative path is taken from the Kitelab home, not from the
 * current directory, since the scheduler may be started from anywhere. Empty stays empty
 * when `optional`.
 */
export function pathKind(options: { optional?: boolean } = {}): ValueKind<string> {
  return {
    accepted: options.optional ? "a path, or nothing" : "a path",
    parse(text, context) {
      if (text === "") {
        return options.optional
          ? { ok: true, value: "" }
          : { ok: false, reason: "is empty; use a path such as {KITELAB_HOME}/dags" };
      }
      if (text.includes("\n")) return { ok: false, reason: "spans several lines; write the path on one line" };
      let path = text;
      if (path === "~" || path.startsWith("~/")) path = join(context.userHome, path.slice(1));
      return { ok: true, value: isAbsolute(path) ? resolve(path) : resolve(context.home, path) };
    },
    format: (value) => value,
  };
}

/** UTC, "system", or an IANA zone name that this Node knows. Answered as written. */
export const timezoneKind: ValueKind<string> = {
  accepted: "utc, system, or an IANA time zone such as Europe/Amsterdam",
  parse(text) {
    const zone = text.trim();
    if (zone.toLowerCase() === "system" || zone.toLowerCase() === "utc") return { ok: true, value: zone.toLowerCase() };
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: zone });
      return { ok: true, value: zone };
    } catch {
      return { ok: false, reason: `is not a known time zone; use ${timezoneKind.accepted}` };
    }
  },
  format: (value) => value,
};

/**
 * Airflow's Fernet key: 32 bytes in url-safe base64 (44 characters), or several separated
 * by commas during a key rotation, or empty until the scheduler generates one.
 */
export const fernetKeyKind: ValueKind<string> = {
  accepted: "nothing (the scheduler then generates a key) or 32 url-safe base64-encoded bytes",
  parse(text) {
    if (text === "") return { ok: true, value: "" };
    const keys = text.split(",").map((key) => key.trim());
    const valid = keys.every((key) => /^[A-Za-z0-9_-]{43}=$/.test(key) && Buffer.from(key, "base64url").length === 32);
    return valid
      ? { ok: true, value: keys.join(",") }
      : { ok: false, reason: `is not a valid Fernet key; use ${fernetKeyKind.accepted}` };
  },
  format: (value) => value,
};

function listWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} or ${words[words.length - 1]}`;
}
