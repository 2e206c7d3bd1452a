/**
 * configparser's BasicInterpolation, which Airflow's parser inherits: `%%` is a literal `%`,
 * `%(name)s` is the value of `name` in the same section (or in [DEFAULT]), and any other `%`
 * is an error. Applies to values from the file only; environment variables are taken as they are.
 */

const MAX_DEPTH = 10;

export type Lookup = (key: string) => string | undefined;

export function interpolate(
  raw: string,
  lookup: Lookup,
  depth = 0,
): { ok: true; text: string } | { ok: false; reason: string } {
  if (!raw.includes("%")) return { ok: true, text: raw };
  if (depth >= MAX_DEPTH) {
    return { ok: false, reason: "refers to itself through %(...)s more than 10 levels deep; remove the loop" };
  }
  let out = "";
  let index = 0;
  while (index < raw.length) {
    const percent = raw.indexOf("%", index);
    if (percent < 0) {
      out += raw.slice(index);
      break;
    }
    out += raw.slice(index, percent);
    const next = raw[percent + 1];
    if (next === "%") {
      out += "%";
      index = percent + 2;
      continue;
    }
    const reference = /^%\(([^)]+)\)s/.exec(raw.slice(percent));
    if (!reference) {
      return { ok: false, reason: "has a % that is not followed by % or (name)s; write %% for a literal percent sign" };
    }
    const name = reference[1]!.toLowerCase();
    const target = lookup(name);
    if (target === undefined) {
      return {
        ok: false,
        reason: `refers to %(${name})s, which is not set in this section; write %% for a literal percent sign`,
      };
    }
    const inner = interpolate(target, lookup, depth + 1);
    if (!inner.ok) return inner;
    out += inner.text;
    index = percent + reference[0].length;
  }
  return { ok: true, text: out };
}

/** Writes `%` as `%%` so configparser reads the text back unchanged. */
export function escapePercent(text: string): string {
  return text.replace(/%/g, "%%");
}
