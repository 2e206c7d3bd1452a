/** Airflow's rule for DAG and task ids: letters, digits, dashes, dots and underscores. */
const ID_PATTERN = /^[A-Za-z0-9_.-]+$/;
export const MAX_ID_LENGTH = 250;

/** Why `id` is not a valid DAG or task id, or undefined when it is valid. */
export function invalidIdReason(id: unknown, what: "DAG id" | "task id"): string | undefined {
  if (typeof id !== "string" || id.length === 0) {
    return `the ${what} must be a non-empty string, got ${JSON.stringify(id)}`;
  }
  if (id.length > MAX_ID_LENGTH) {
    return `the ${what} "${id.slice(0, 40)}…" is ${id.length} characters long; the limit is ${MAX_ID_LENGTH}`;
  }
  if (!ID_PATTERN.test(id)) {
    const bad = [...new Set([...id].filter((char) => !/[A-Za-z0-9_.-]/.test(char)))];
    const shown = bad.map((char) => (char === " " ? "a space" : `"${char}"`)).join(", ");
    const suggestion = id.replace(/[^A-Za-z0-9_.-]+/g, "_");
    return `the ${what} "${id}" contains ${shown}; use only letters, digits, "_", "-" and ".", for example "${suggestion}"`;
  }
  return undefined;
}
