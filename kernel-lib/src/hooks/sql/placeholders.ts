/**
 * Rewrites `?` placeholders as Postgres's `$1, $2, ...`, leaving alone a `?` inside a string
 * literal, a quoted identifier, a dollar-quoted body or a comment. Pure; SQL with `$n`
 * placeholders already has no bare `?` and comes back unchanged.
 * @example toNumberedPlaceholders("SELECT * FROM t WHERE a = ? AND b = '?'") === "SELECT * FROM t WHERE a = $1 AND b = '?'"
 */
export function toNumberedPlaceholders(sql: string): string {
  let out = "";
  let next = 1;
  let i = 0;
  while (i < sql.length) {
    const char = sql[i]!;
    const skipped = skipQuoted(sql, i);
    if (skipped > i) {
      out += sql.slice(i, skipped);
      i = skipped;
    } else if (char === "?") {
      out += `$${next++}`;
      i += 1;
    } else {
      out += char;
      i += 1;
    }
  }
  return out;
}

/** The index after a literal, identifier, dollar-quoted body or comment starting at `i`; `i` if none starts there. */
function skipQuoted(sql: string, i: number): number {
  const char = sql[i];
  if (char === "'" || char === '"') {
    // A doubled quote is an escaped quote inside the literal.
    let j = i + 1;
    while (j < sql.length) {
      if (sql[j] === char) {
        if (sql[j + 1] === char) j += 2;
        else return j + 1;
      } else j += 1;
    }
    return sql.length;
  }
  if (sql.startsWith("--", i)) {
    const end = sql.indexOf("\n", i);
    return end === -1 ? sql.length : end + 1;
  }
  if (sql.startsWith("/*", i)) {
    const end = sql.indexOf("*/", i + 2);
    return end === -1 ? sql.length : end + 2;
  }
  if (char === "$") {
    const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))?.[0];
    if (tag !== undefined) {
      const end = sql.indexOf(tag, i + tag.length);
      return end === -1 ? sql.length : end + tag.length;
    }
  }
  return i;
}
