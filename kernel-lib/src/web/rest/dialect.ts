import type { Request } from "express";
import { HttpError } from "../problems.js";
import {
  API_MAX_LIMIT,
  dateField,
  dateQuery,
  integerQuery,
  listQuery,
  type PageRequest,
  type Range,
  stringQuery,
} from "./request.js";

/**
 * How one version of Airflow's API reads a list request: its page, its sort criterion, its
 * date bounds. The list operations take one, so each is written once for `/api/v1` and
 * `/api/v2`.
 */
export interface ListDialect {
  /** `limit` and `offset`, with the version's default page. */
  page(req: Request): PageRequest;
  /** The `order_by` criterion, `field` or `-field`. */
  orderBy(req: Request): string | undefined;
  /** The bounds of `{prefix}_gte`, `_lte`... in the query. */
  range(req: Request, prefix: string): Range;
  /** The same bounds in a batch form's body. */
  rangeField(body: Record<string, unknown>, prefix: string): Range;
}

/** Airflow 2: a page of 100 at most and by default, one `order_by`, inclusive bounds only. */
export const AIRFLOW2_LISTS: ListDialect = {
  page(req) {
    const limit = integerQuery(req, "limit") ?? API_MAX_LIMIT;
    const offset = integerQuery(req, "offset") ?? 0;
    if (limit < 1) throw new HttpError(400, `Expected \`limit\` to be a positive integer, got ${limit}.`);
    return { limit: Math.min(limit, API_MAX_LIMIT), offset };
  },
  orderBy: (req) => stringQuery(req, "order_by"),
  range: (req, prefix) => ({ gte: dateQuery(req, `${prefix}_gte`), lte: dateQuery(req, `${prefix}_lte`) }),
  rangeField: (body, prefix) => ({ gte: dateField(body, `${prefix}_gte`), lte: dateField(body, `${prefix}_lte`) }),
};

/** Airflow 3's `fallback_page_limit`. */
export const AIRFLOW3_DEFAULT_LIMIT = 50;

/**
 * Airflow 3: a default page of 50, `order_by` that may be repeated (Kitelab sorts by one),
 * and `_gt`/`_lt` beside `_gte`/`_lte`.
 */
export const AIRFLOW3_LISTS: ListDialect = {
  page: (req) => ({
    limit: Math.min(integerQuery(req, "limit") ?? AIRFLOW3_DEFAULT_LIMIT, API_MAX_LIMIT),
    offset: integerQuery(req, "offset") ?? 0,
  }),
  orderBy(req) {
    const criteria = listQuery(req, "order_by");
    if (criteria.length > 1) {
      throw new HttpError(400, `Kitelab sorts by one attribute; send one \`order_by\`, got ${criteria.join(", ")}.`);
    }
    return criteria[0];
  },
  range: (req, prefix) =>
    boundsOf(
      dateQuery(req, `${prefix}_gte`),
      dateQuery(req, `${prefix}_gt`),
      dateQuery(req, `${prefix}_lte`),
      dateQuery(req, `${prefix}_lt`),
    ),
  rangeField: (body, prefix) =>
    boundsOf(
      dateField(body, `${prefix}_gte`),
      dateField(body, `${prefix}_gt`),
      dateField(body, `${prefix}_lte`),
      dateField(body, `${prefix}_lt`),
    ),
};

/** A strict bound is the inclusive one a millisecond further; the tighter of two bounds wins. */
function boundsOf(gte?: Date, gt?: Date, lte?: Date, lt?: Date): Range {
  const lower = [gte, gt && new Date(gt.getTime() + 1)].filter((date): date is Date => date !== undefined);
  const upper = [lte, lt && new Date(lt.getTime() - 1)].filter((date): date is Date => date !== undefined);
  return {
    gte: lower.length === 0 ? undefined : new Date(Math.max(...lower.map((date) => date.getTime()))),
    lte: upper.length === 0 ? undefined : new Date(Math.min(...upper.map((date) => date.getTime()))),
  };
}
