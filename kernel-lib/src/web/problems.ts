import { type RefusalKind, refusalKindOf } from "../errors.js";

/**
 * HTTP errors as the web layer raises them, and their JSON form: a problem object
 * (RFC 7807) with Airflow's `type` links, so API clients see the shapes Airflow sends.
 */

const AIRFLOW_ERRORS = "https://airflow.apache.org/docs/apache-airflow/2.10.5/stable-rest-api-ref.html#section/Errors/";

const TITLES: Record<number, { title: string; type: string }> = {
  400: { title: "Bad Request", type: "BadRequest" },
  401: { title: "Unauthorized", type: "Unauthenticated" },
  403: { title: "Forbidden", type: "PermissionDenied" },
  404: { title: "Not Found", type: "NotFound" },
  405: { title: "Method Not Allowed", type: "MethodNotAllowed" },
  409: { title: "Conflict", type: "AlreadyExists" },
  413: { title: "Request Entity Too Large", type: "RequestEntityTooLarge" },
  415: { title: "Unsupported Media Type", type: "UnsupportedMediaType" },
  500: { title: "Internal Server Error", type: "Unknown" },
  503: { title: "Service Unavailable", type: "ServiceUnavailable" },
};

/** A problem object, as every JSON error response carries it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
}

/** An error that ends a request with `status`; `detail` is shown to the user, so it must not leak internals. */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly title: string = TITLES[status]?.title ?? "Error",
  ) {
    super(detail);
  }
}

export function problemOf(status: number, detail: string, title?: string): Problem {
  const known = TITLES[status] ?? TITLES[500]!;
  return { type: AIRFLOW_ERRORS + known.type, title: title ?? known.title, status, detail };
}

const STATUS_OF_REFUSAL: Record<RefusalKind, number> = { invalid: 400, "not-found": 404, conflict: 409 };

/**
 * The status of an error a request ran into: its own for an HttpError, 400 for bad input
 * (a ValidationError), 404 for something unknown, 409 for a clash with the current state,
 * and 500 for anything else, whose message is not the caller's to read.
 */
export function statusOfError(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  const kind = refusalKindOf(error);
  return kind ? STATUS_OF_REFUSAL[kind] : 500;
}

/** The message of an error, without its stack, for a problem's `detail`. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
