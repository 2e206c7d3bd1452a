import type { Router } from "express";
import type { AppContext } from "../context.js";
import { versionRouter } from "../rest/router.js";
import { dagRunsRouterV2 } from "./dagRuns.js";
import { dagsRouterV2 } from "./dags.js";
import { monitoringRouterV2 } from "./monitoring.js";
import { connectionsRouterV2 } from "./connections.js";
import { poolsRouterV2 } from "./pools.js";
import { variablesRouterV2 } from "./variables.js";
import { xcomRouterV2 } from "./xcom.js";
import { taskInstancesRouterV2 } from "./taskInstances.js";

/**
 * `/api/v2`: the part of Airflow 3.1's public REST API that Kitelab serves, in the shapes of
 * its OpenAPI document (`test/fixtures/airflow-openapi/v2-rest-api-generated.yaml`). Access
 * as on `/api/v1`, where the token may also be an access token from `POST /auth/token`.
 * Errors are FastAPI's `{"detail": ...}` ({@link v2ErrorOf}).
 */
export function apiV2Router(context: AppContext): Router {
  return versionRouter(context, [
    dagRunsRouterV2(context),
    taskInstancesRouterV2(context),
    xcomRouterV2(context),
    dagsRouterV2(context),
    variablesRouterV2(context),
    connectionsRouterV2(context),
    poolsRouterV2(context),
    monitoringRouterV2(context),
  ]);
}
