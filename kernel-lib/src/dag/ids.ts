/** Airflow's rule for DAG and task ids: letters, digits, dashes, dots and underscores. */
const ID_PATTERN = /^[A-Za-z0-9_.-]+$/;

/** A file or folder name holds at most 255 bytes on the file systems Kitelab runs on. */
const NAME_MAX = 255;

/**
 * The longest id that still fits every place it names a folder: the logs'
 * `dag_id=<id>` and `task_id=<id>` (ids are ASCII, so characters are bytes).
 */
export const MAX_ID_LENGTH = {
  "DAG id": NAME_MAX - "dag_id=".length,
  "task id": NAME_MAX - "task_id=".length,
} as const;

/** Why `id` is not a valid DAG or task id, or undefined when it is valid. */
export function invalidIdReason(id: unknown, what: "DAG id" | "task id"): string | undefined {
  if (typeof id !== "string" || id.length === 0) {
    return `the ${what} must be a non-empty string, got ${JSON.stringify(id)}`;
  }
  const limit = MAX_ID_LENGTH[what];
  if (id.length > limit) {
    return `the ${what} "${id.slice(0, 40)}…" is ${id.length} characters long; the limit is ${limit} (it names a log folder, whose name holds at most ${NAME_MAX} bytes)`;
  }
  if (!ID_PATTERN.test(id)) {
    const bad = [...new Set([...id].filter((char) => !/[A-Za-z0-9_.-]/.test(char)))];
    const shown = bad.map((char) => (char === " " ? "a space" : `"${char}"`)).join(", ");
    const suggestion = id.replace(/[^A-Za-z0-9_.-]+/g, "_");
    return `the ${what} "${id}" contains ${shown}; use only letters, digits, "_", "-" and ".", for example "${suggestion}"`;
  }
  // ".." climbs out of the folder the id names (runs/<dag>/, the logs), and URLs refuse it.
  if (id === "." || id.includes("..")) {
    return `the ${what} "${id}" is "." or contains ".."; such ids would name another folder. Use single dots, for example "${id.replace(/\.{2,}/g, ".").replace(/^\.$/, "dot")}"`;
  }
  return undefined;
}
