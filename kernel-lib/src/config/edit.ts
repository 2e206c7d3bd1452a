import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { parseIni } from "./ini.js";
import { escapePercent } from "./interpolate.js";

/**
 * Returns `text` with `[section] key` set to `value`, leaving every other line (comments
 * included) as it was: the key's line (and its continuation lines) is replaced, or the key is
 * added right under its section header, or the section is appended. `%` is written as `%%`.
 * Used by the scheduler to record the Fernet key it generates on first start.
 */
export function setConfigValueInText(text: string, section: string, key: string, value: string): string {
  const sectionName = section.toLowerCase();
  const keyName = key.toLowerCase();
  const newline = text.includes("\r\n") ? "\r\n" : "\n";
  const lines = text.split(/\r\n|\n/);
  const written = `${keyName} = ${escapePercent(value).replace(/\n/g, `${newline}    `)}`.trimEnd();
  const document = parseIni(text);
  const found = document.sections.get(sectionName);
  const entry = found?.entries.get(keyName);
  if (found && entry) {
    const start = entry.line - 1;
    const indent = indentOf(lines[start]!);
    let end = start + 1;
    while (end < lines.length && lines[end]!.trim() !== "" && indentOf(lines[end]!) > indent) end += 1;
    lines.splice(start, end - start, " ".repeat(indent) + written);
    return lines.join(newline);
  }
  if (found) {
    lines.splice(found.line, 0, written);
    return lines.join(newline);
  }
  const body = text.length === 0 || text.endsWith("\n") ? text : `${text}${newline}`;
  return `${body}${newline}[${sectionName}]${newline}${written}${newline}`;
}

/** Sets one key in the config file at `path`, writing a temporary file and renaming it into place. */
export function writeConfigValue(path: string, section: string, key: string, value: string): void {
  const updated = setConfigValueInText(readFileSync(path, "utf8"), section, key, value);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, updated);
  renameSync(temporary, path);
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}
