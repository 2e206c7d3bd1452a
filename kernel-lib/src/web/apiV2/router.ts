import express, { type Request, type Response, type Router } from "express";
import type { AppContext } from "../context.js";
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
