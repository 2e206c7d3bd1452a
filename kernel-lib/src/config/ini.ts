/**
 * An INI reader that follows Python's `configparser` (strict mode, `=` and `:` delimiters,
 * full-line `#` and `;` comments, no inline comments, indented continuation lines), which is
 * what Airflow uses to read `airflow.cfg`. Pure: text in, entries and problems out.
 *
 * Two deliberate differences, both documented in airflow.cfg.example: section names are
 * matched case-insensitively (Airflow lower-cases the section it asks for, so `[Core]` would
 * be silently ignored there), and text after a section header's `]` must be a comment.
 */

/** One `key = value` entry, with the line it starts on. */
export interface IniEntry {
  /** The key as written, lower-cased as configparser's `optionxform` does. */
  readonly key: string;
  /** The raw value: continuation lines joined with "\n", trailing blank lines dropped. */
  readonly value: string;
  readonly line: number;
}

export interface IniSection {
  /** The section name, lower-cased. */
  readonly name: string;
  readonly line: number;
  readonly entries: ReadonlyMap<string, IniEntry>;
}

/** A line the reader could not accept; `message` does not name the file. */
export interface IniProblem {
  readonly line: number;
  readonly section?: string;
  readonly key?: string;
  readonly message: string;
}

export interface IniDocument {
  readonly sections: ReadonlyMap<string, IniSection>;
  readonly problems: readonly IniProblem[];
}

const SECTION_HEADER = /^\[([^\]]+)\]\s*(?:[#;].*)?$/;

interface OpenEntry {
  key: string;
  lines: string[];
  line: number;
  indent: number;
  /** A refused line's continuation lines are swallowed with it, then dropped. */
  discard: boolean;
}

/** Parses INI text the way configparser would, collecting every problem instead of stopping. */
export function parseIni(text: string): IniDocument {
  const sections = new Map<string, { name: string; line: number; entries: Map<string, IniEntry> }>();
  const problems: IniProblem[] = [];
  let current: { name: string; line: number; entries: Map<string, IniEntry> } | undefined;
  let open: OpenEntry | undefined;

  const close = () => {
    if (open && current && !open.discard) {
      const value = open.lines.join("\n").trimEnd();
      current.entries.set(open.key, { key: open.key, value, line: open.line });
    }
    open = undefined;
  };

  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const stripped = raw.trim();
    const isComment = stripped.startsWith("#") || stripped.startsWith(";");
    if (stripped === "" || isComment) {
      // configparser keeps blank lines inside a value (dropped again at its end) and skips comments.
      if (stripped === "" && open) open.lines.push("");
      return;
    }
    const indent = raw.length - raw.trimStart().length;
    if (open && indent > open.indent) {
      open.lines.push(stripped);
      return;
    }
    close();

    if (stripped.startsWith("[")) {
      const match = SECTION_HEADER.exec(stripped);
      const name = match?.[1]?.trim().toLowerCase();
      if (!name) {
        problems.push({
          line: lineNo,
          message: `${JSON.stringify(stripped)} is not a valid section header; write it as [section_name] alone on its line`,
        });
        current = undefined;
        return;
      }
      const existing = sections.get(name);
      if (existing) {
        problems.push({
          line: lineNo,
          section: name,
          message: `section [${name}] appears again (first on line ${existing.line}); Airflow's configparser refuses duplicate sections: merge the two into one`,
        });
        current = existing;
        return;
      }
      current = { name, line: lineNo, entries: new Map() };
      sections.set(name, current);
      return;
    }

    const delimiter = stripped.search(/[=:]/);
    if (delimiter < 0) {
      problems.push({
        line: lineNo,
        section: current?.name,
        message: `${JSON.stringify(stripped)} is not a "key = value" line, a [section] header or a comment; write "key = value", or start the line with # to comment it out`,
      });
      return;
    }
    const key = stripped.slice(0, delimiter).trimEnd().toLowerCase();
    const value = stripped.slice(delimiter + 1).trim();
    if (key === "") {
      problems.push({
        line: lineNo,
        section: current?.name,
        message: `${JSON.stringify(stripped)} has no key before "${stripped[delimiter]}"; write "key = value"`,
      });
      return;
    }
    if (!current) {
      problems.push({
        line: lineNo,
        key,
        message: `${JSON.stringify(stripped)} comes before any [section] header; put it under the section it belongs to, such as [core]`,
      });
      open = { key, lines: [], line: lineNo, indent, discard: true };
      return;
    }
    const previous = current.entries.get(key);
    if (previous) {
      problems.push({
        line: lineNo,
        section: current.name,
        key,
        message: `[${current.name}] ${key} is set again (first on line ${previous.line}); Airflow's configparser refuses duplicate keys: keep one of the two lines`,
      });
      open = { key, lines: [], line: lineNo, indent, discard: true };
      return;
    }
    open = { key, lines: [value], line: lineNo, indent, discard: false };
  });
  close();
  return { sections, problems };
}
