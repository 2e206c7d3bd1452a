import express, { type Request, type Response, type Router } from "express";
import type { AppContext } from "./context.js";
import { connectionsRouter } from "./api/connections.js";
import { dagRunsRouter } from "./api/dagRuns.js";
import { dagsRouter } from "./api/dags.js";
import { monitoringRouter } from "./api/monitoring.js";
import { poolsRouter } from "./api/pools.js";
import { taskInstancesRouter } from "./api/taskInstances.js";
import { variablesRouter } from "./api/variables.js";
import { xcomRouter } from "./api/xcom.js";
import { HttpError } from "./problems.js";

export { API_MAX_LIMIT } from "./api/request.js";
export { requireDag, requireRun, requireTaskInstance } from "./api/lookups.js";

/**
 * `/api/v1`: the part of Airflow 2.10's stable REST API that Kitelab serves, in the shapes
 * of its OpenAPI document (`test/fixtures/airflow-openapi/v1.yaml`), one router per resource.
 * Reads follow `exposeReads`; writes need the token in a header. Every error is a problem object.
 */
export function apiRouter(context: AppContext): Router {
  const { guard } = context;
  const router = express.Router();

  router.use((req, _res, next) => {
    if (req.method === "GET" || req.method === "HEAD") guard.requireRead(req);
    else guard.requireTokenHeader(req);
    next();
  });

  // Batch lists (`/dags/~/dagRuns/list`) come before the routes whose parameters would match them.
  router.use(dagRunsRouter(context));
  router.use(taskInstancesRouter(context));
  router.use(xcomRouter(context));
  router.use(dagsRouter(context));
  router.use(variablesRouter(context));
  router.use(connectionsRouter(context));
  router.use(poolsRouter(context));
  router.use(monitoringRouter(context));

  router.use((req: Request, _res: Response) => {
    throw new HttpError(404, `The API has no ${req.method} ${req.baseUrl}${req.path}.`);
  });
  return router;
}
