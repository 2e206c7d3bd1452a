import type { NextFunction, Request, Response } from "express";
import { HttpError } from "./problems.js";

/**
 * Checks applied to every request before any route, so routes added later get them too:
 * path segments that can name a stored thing (ids), and the shape of JSON bodies.
 */

/** A file name holds 255 bytes; every id names one (`runs/<dag>/<run>.json`, `run_id=<run>` in the logs). */
export const MAX_SEGMENT_BYTES = 240;
/** Deeper JSON is refused: nothing Kitelab stores needs it, and deep values break whoever reads them later. */
export const MAX_JSON_DEPTH = 32;
/** A run's `conf` (and so its params) is for small settings; data belongs in files. */
export const MAX_CONF_BYTES = 16 * 1024;

/** Body fields that name a stored thing (Airflow's names). */
const ID_FIELDS = ["dag_id", "dag_run_id", "run_id", "task_id"] as const;

/** Why `value` cannot name a file, or undefined. (Slashes in a path segment are the routes' `checkPathParam`'s to refuse, with their own message.) */
function nameProblem(value: string): string | undefined {
  const bytes = Buffer.byteLength(value);
  if (bytes > MAX_SEGMENT_BYTES) return `is ${bytes} bytes long; ids are at most ${MAX_SEGMENT_BYTES} bytes`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return "contains a control character";
  if (value === "." || value === "..") return `cannot be ${JSON.stringify(value)}`;
  return undefined;
}

/** Why `value` cannot be an id that names a file, or undefined. */
export function idProblem(value: string): string | undefined {
  return nameProblem(value) ?? (/[/\\]/.test(value) ? "contains a slash" : undefined);
}

/** Refuses path segments no id can be: too long for a file name, control characters, `.`, `..` (`~` is Airflow's "any DAG"). */
export function checkPathSegments(req: Request, _res: Response, next: NextFunction): void {
  for (const raw of req.path.split("/")) {
    if (raw === "") continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return next(new HttpError(400, `The path segment "${raw.slice(0, 40)}" is not valid percent-encoding.`));
    }
    const problem = nameProblem(segment);
    if (problem) {
      return next(
        new HttpError(400, `The path segment "${segment.slice(0, 40)}${segment.length > 40 ? "…" : ""}" ${problem}.`),
      );
    }
  }
  next();
}

/** Refuses JSON bodies nested deeper than MAX_JSON_DEPTH, and a `conf` over MAX_CONF_BYTES, with a 400 naming the limit. */
export function checkJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const body: unknown = req.body;
  if (body === undefined || body === null || typeof body !== "object") return next();
  const depth = depthOf(body, MAX_JSON_DEPTH + 1);
  if (depth > MAX_JSON_DEPTH) {
    return next(
      new HttpError(
        400,
        `The request body is nested more than ${MAX_JSON_DEPTH} levels deep; the limit is ${MAX_JSON_DEPTH}.`,
      ),
    );
  }
  for (const field of ID_FIELDS) {
    const value = (body as Record<string, unknown>)[field];
    const problem = typeof value === "string" ? idProblem(value) : undefined;
    if (problem) return next(new HttpError(400, `\`${field}\` ${problem}.`));
  }
  const conf = (body as Record<string, unknown>).conf;
  if (conf !== undefined) {
    const size = Buffer.byteLength(JSON.stringify(conf) ?? "");
    if (size > MAX_CONF_BYTES) {
      return next(
        new HttpError(
          400,
          `\`conf\` is ${size} bytes as JSON; the limit is ${MAX_CONF_BYTES} bytes. Pass a file path or a key instead of the data.`,
        ),
      );
    }
  }
  next();
}

/** The nesting depth of a JSON value, counting stops at `limit` (so a hostile body costs little). */
export function depthOf(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== "object") continue;
    deepest = Math.max(deepest, depth);
    if (deepest >= limit) return deepest;
    for (const child of Object.values(item as Record<string, unknown>)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** Absolute server paths never reach a response: they tell an attacker where things live. */
export function withoutServerPaths(text: string): string {
  return text.replace(/(?:[A-Za-z]:)?(?:[\\/][^\s\\/'"`:,;()]+){2,}[\\/]?/g, (path) =>
    path.startsWith("/api/") || path.startsWith("/dags/") ? path : "<path>",
  );
}
