import type { Request } from "express";
import { dateField, dateQuery, integerQuery, listQuery, type Range } from "../api/request.js";
import { HttpError } from "../problems.js";

/**
 * What `/api/v2` reads differently from `/api/v1`: a default page of 50 (Airflow 3's
 * `fallback_page_limit`), `order_by` that may be repeated, and date filters with
 * `_gt`/`_lt` beside `_gte`/`_lte`.
 */

export const V2_DEFAULT_LIMIT = 50;
export const V2_MAX_LIMIT = 100;

export function paginationV2(req: Request): { limit: number; offset: number } {
  const limit = integerQuery(req, "limit") ?? V2_DEFAULT_LIMIT;
  return { limit: Math.min(limit, V2_MAX_LIMIT), offset: integerQuery(req, "offset") ?? 0 };
}

/** The first `order_by` criterion (Kitelab sorts by one). */
export function orderByV2(req: Request): string | undefined {
  const criteria = listQuery(req, "order_by");
  if (criteria.length > 1) {
    throw new HttpError(400, `Kitelab sorts by one attribute; send one \`order_by\`, got ${criteria.join(", ")}.`);
  }
  return criteria[0];
}

/** `{prefix}_gte`, `_gt`, `_lte`, `_lt` of the query; a strict bound is the inclusive one a millisecond further. */
export function rangeQuery(req: Request, prefix: string): Range {
  return boundsOf(
    dateQuery(req, `${prefix}_gte`),
    dateQuery(req, `${prefix}_gt`),
    dateQuery(req, `${prefix}_lte`),
    dateQuery(req, `${prefix}_lt`),
  );
}

/** The same bounds from a batch body. */
export function rangeField(body: Record<string, unknown>, prefix: string): Range {
  return boundsOf(
    dateField(body, `${prefix}_gte`),
    dateField(body, `${prefix}_gt`),
    dateField(body, `${prefix}_lte`),
    dateField(body, `${prefix}_lt`),
  );
}

function boundsOf(gte?: Date, gt?: Date, lte?: Date, lt?: Date): Range {
  const lower = [gte, gt && new Date(gt.getTime() + 1)].filter((date): date is Date => date !== undefined);
  const upper = [lte, lt && new Date(lt.getTime() - 1)].filter((date): date is Date => date !== undefined);
  return {
    gte: lower.length === 0 ? undefined : new Date(Math.max(...lower.map((date) => date.getTime()))),
    lte: upper.length === 0 ? undefined : new Date(Math.min(...upper.map((date) => date.getTime()))),
  };
}
