import express, { type Request, type Response, type Router } from "express";
import type { AppContext } from "../app.js";
import { HttpError } from "../problems.js";
import { dagRunsRouterV2 } from "./dagRuns.js";
import { dagsRouterV2 } from "./dags.js";
import { monitoringRouterV2 } from "./monitoring.js";
import { sharedRouterV2 } from "./shared.js";
import { taskInstancesRouterV2 } from "./taskInstances.js";

/**
 * `/api/v2`: the part of Airflow 3.1's public REST API that Kitelab serves, in the shapes of
 * its OpenAPI document (`test/fixtures/airflow-openapi/v2-rest-api-generated.yaml`). Access
 * as on `/api/v1` (reads follow `exposeReads`, writes need a token header), where the token
 * may also be an access token from `POST /auth/token`. Errors are FastAPI's `{"detail": ...}`
 * ({@link v2ErrorOf}).
 */
export function apiV2Router(context: AppContext): Router {
  const { guard } = context;
  const router = express.Router();

  router.use((req, _res, next) => {
    if (req.method === "GET" || req.method === "HEAD") guard.requireRead(req);
    else guard.requireTokenHeader(req);
    next();
  });

  router.use(dagRunsRouterV2(context));
  router.use(taskInstancesRouterV2(context));
  router.use(dagsRouterV2(context));
  router.use(sharedRouterV2(context));
  router.use(monitoringRouterV2(context));

  router.use((req: Request, _res: Response) => {
    throw new HttpError(404, `The API has no ${req.method} ${req.baseUrl}${req.path}.`);
  });
  return router;
}

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
