import type { Router } from "express";
import type { AppContext } from "./context.js";
import { connectionsRouter } from "./api/connections.js";
import { dagRunsRouter } from "./api/dagRuns.js";
import { dagsRouter } from "./api/dags.js";
import { monitoringRouter } from "./api/monitoring.js";
import { poolsRouter } from "./api/pools.js";
import { taskInstancesRouter } from "./api/taskInstances.js";
import { variablesRouter } from "./api/variables.js";
import { xcomRouter } from "./api/xcom.js";
import { versionRouter } from "./rest/router.js";

/**
 * `/api/v1`: the part of Airflow 2.10's stable REST API that Kitelab serves, in the shapes
 * of its OpenAPI document (`test/fixtures/airflow-openapi/v1.yaml`), one router per resource.
 * Every error is a problem object.
 */
export function apiRouter(context: AppContext): Router {
  return versionRouter(context, [
    dagRunsRouter(context),
    taskInstancesRouter(context),
    xcomRouter(context),
    dagsRouter(context),
    variablesRouter(context),
    connectionsRouter(context),
    poolsRouter(context),
    monitoringRouter(context),
  ]);
}
