import type { Request } from "express";
import { HttpError } from "../problems.js";

/**
 * Reading an API request's query and body the way Airflow's connexion layer does: every
 * value checked where it enters, with a 400 that names the parameter and what arrived.
 */

/** Airflow's `maximum_page_limit` default, the ceiling of every page. */
export const API_MAX_LIMIT = 100;

export interface PageRequest {
  limit: number;
  offset: number;
}

/** One page of `items` and the collection's size, as Airflow's `*Collection` schemas carry it. */
export function pageOf<T>(items: readonly T[], page: PageRequest): { items: T[]; total_entries: number } {
  return { items: items.slice(page.offset, page.offset + page.limit), total_entries: items.length };
}

/** The sort key of each name `order_by` accepts. */
export type SortKeys<T> = Record<string, (item: T) => string | number | undefined>;

/**
 * Sorts by Airflow's `order_by` (`field` or `-field`), with `fields` mapping each accepted
 * name to a record's sort key. Unknown names get Airflow's 400.
 */
export function sortedBy<T>(
  items: readonly T[],
  orderBy: string | undefined,
  fallback: string,
  fields: SortKeys<T>,
): T[] {
  const value = orderBy ?? fallback;
  const descending = value.startsWith("-");
  const name = descending ? value.slice(1) : value;
  const key = fields[name];
  if (key === undefined) {
    throw new HttpError(
      400,
      `Ordering with '${name}' is disallowed or the attribute does not exist on the model; use one of ${Object.keys(fields).join(", ")}, with '-' for descending.`,
    );
  }
  const compare = (a: T, b: T) => {
    const left = key(a) ?? "";
    const right = key(b) ?? "";
    if (typeof left === "number" && typeof right === "number") return left - right;
    return String(left).localeCompare(String(right));
  };
  return [...items].sort((a, b) => (descending ? -compare(a, b) : compare(a, b)));
}

export function integerQuery(req: Request, name: string): number | undefined {
  const value = stringQuery(req, name);
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value))
    throw new HttpError(400, `Expected \`${name}\` to be a non-negative integer, got ${JSON.stringify(value)}.`);
  return Number(value);
}

export function stringQuery(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new HttpError(400, `Expected \`${name}\` once, got ${JSON.stringify(value)}.`);
  return value;
}

/** A repeated (`?tags=a&tags=b`) or comma-separated query parameter. */
export function listQuery(req: Request, name: string): string[] {
  const value = req.query[name];
  if (value === undefined) return [];
  const values = Array.isArray(value) ? value : [value];
  if (!values.every((item): item is string => typeof item === "string")) {
    throw new HttpError(400, `Expected \`${name}\` to be repeated plain values, got ${JSON.stringify(value)}.`);
  }
  return values
    .flatMap((item) => item.split(","))
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

export function booleanQuery(req: Request, name: string): boolean | undefined {
  const value = stringQuery(req, name);
  if (value === undefined) return undefined;
  if (/^(true|1)$/i.test(value)) return true;
  if (/^(false|0)$/i.test(value)) return false;
  throw new HttpError(400, `Expected \`${name}\` to be true or false, got ${JSON.stringify(value)}.`);
}

/** A date query parameter (`start_date_gte`...), ISO 8601 with a time zone. */
export function dateQuery(req: Request, name: string): Date | undefined {
  const value = stringQuery(req, name);
  return value === undefined ? undefined : parseDate(name, value);
}

/** The JSON object a write sends; no body at all is `{}`. */
export function objectBody(req: Request): Record<string, unknown> {
  const hasBody = Number(req.get("content-length") ?? 0) > 0 || req.get("transfer-encoding") !== undefined;
  if (!hasBody) return {};
  if (!req.is(["application/json", "application/*+json"])) {
    throw new HttpError(415, "Send the request body as JSON (Content-Type: application/json).");
  }
  const body: unknown = req.body;
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, `Expected the request body to be a JSON object, got ${JSON.stringify(body)}.`);
  }
  return body as Record<string, unknown>;
}

export function optionalBoolean(body: Record<string, unknown>, name: string): boolean | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean")
    throw new HttpError(400, `Expected \`${name}\` to be true or false, got ${JSON.stringify(value)}.`);
  return value;
}

export function integerOf(body: Record<string, unknown>, name: string): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new HttpError(400, `Expected \`${name}\` to be a non-negative integer, got ${JSON.stringify(value)}.`);
  }
  return value;
}

export function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string")
    throw new HttpError(400, `Expected \`${name}\` to be a string, got ${JSON.stringify(value)}.`);
  return value;
}

export function requiredString(body: Record<string, unknown>, name: string): string {
  const value = optionalString(body, name);
  if (value === undefined || value === "")
    throw new HttpError(400, `\`${name}\` is required: send it as a non-empty string.`);
  return value;
}

export function optionalStringList(body: Record<string, unknown>, name: string): string[] | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new HttpError(400, `Expected \`${name}\` to be a list of strings, got ${JSON.stringify(value)}.`);
  }
  return value as string[];
}

export function dateField(body: Record<string, unknown>, name: string): Date | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  return parseDate(name, value);
}

function parseDate(name: string, value: unknown): Date {
  if (
    typeof value !== "string" ||
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value) ||
    Number.isNaN(Date.parse(value))
  ) {
    throw new HttpError(
      400,
      `Expected \`${name}\` to be an ISO 8601 date with a time zone, such as "2024-01-01T00:00:00+00:00", got ${JSON.stringify(value)}.`,
    );
  }
  return new Date(value);
}

/**
 * The fields an `update_mask` names, checked against those the resource lets change; no
 * mask means every field the body sends.
 */
export function updateMask(req: Request, body: Record<string, unknown>, changeable: readonly string[]): string[] {
  const mask = listQuery(req, "update_mask");
  const fields = mask.length > 0 ? mask : Object.keys(body).filter((field) => changeable.includes(field));
  const unknown = fields.filter((field) => !changeable.includes(field));
  if (unknown.length > 0) {
    throw new HttpError(
      400,
      `Only ${changeable.map((field) => `\`${field}\``).join(", ")} can be updated, got update_mask ${JSON.stringify(mask)}.`,
    );
  }
  return fields;
}

/** A closed date range of a list filter (`*_gte`, `*_lte`); either end may be open. */
export interface Range {
  gte?: Date;
  lte?: Date;
}

/** True when `iso` lies in `range`; a missing date lies in no bounded range. */
export function inRange(iso: string | undefined, range: Range): boolean {
  if (range.gte === undefined && range.lte === undefined) return true;
  if (iso === undefined) return false;
  const at = Date.parse(iso);
  return (
    (range.gte === undefined || at >= range.gte.getTime()) && (range.lte === undefined || at <= range.lte.getTime())
  );
}

/** Airflow 3's `*_pattern` filters: `ILIKE '%pattern%'`, where `%` is any run and `_` any one character. */
export function likeMatch(value: string, pattern: string): boolean {
  const source = pattern
    .split("")
    .map((char) => (char === "%" ? ".*" : char === "_" ? "." : char.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(source, "is").test(value);
}

/** The batch forms' `page_offset` and `page_limit`. */
export function formPage(body: Record<string, unknown>): { limit: number; offset: number } {
  const limit = integerOf(body, "page_limit") ?? API_MAX_LIMIT;
  if (limit < 1) throw new HttpError(400, `Expected \`page_limit\` to be a positive integer, got ${limit}.`);
  return { limit: Math.min(limit, API_MAX_LIMIT), offset: integerOf(body, "page_offset") ?? 0 };
}

/** A note as Airflow's setNote forms carry it: a string, possibly empty. */
export function requiredNote(body: Record<string, unknown>): string {
  if (typeof body.note !== "string")
    throw new HttpError(
      400,
      `\`note\` is required: send it as a string, got ${JSON.stringify(body.note) ?? "nothing"}.`,
    );
  return body.note;
}
