import { HttpError } from "../problems.js";

/** True for the paths whose errors take Airflow 3's shape. */
export function isAirflow3Path(path: string): boolean {
  return path === "/api/v2" || path.startsWith("/api/v2/") || path === "/auth/token" || path.startsWith("/auth/token/");
}

/**
 * A well-formed request that a rule refuses (deleting `default_pool`): Airflow 3 answers it
 * 400 with a message, where a malformed request is a 422.
 */
export class RuleRefusal extends HttpError {
  override name = "RuleRefusal";
  constructor(detail: string) {
    super(400, detail);
  }
}

/**
 * An error as Airflow 3's FastAPI app answers it: `{"detail": message}`. A request Kitelab
 * refuses as malformed (400, 415) is FastAPI's validation error, 422 with a list of details.
 */
export function v2ErrorOf(error: unknown, status: number, detail: string): { status: number; body: unknown } {
  if ((status === 400 && !(error instanceof RuleRefusal)) || status === 415) {
    return { status: 422, body: { detail: [{ type: "value_error", loc: ["request"], msg: detail }] } };
  }
  return { status, body: { detail } };
}
