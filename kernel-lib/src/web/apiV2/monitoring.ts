import type { Router } from "express";
import { airflowDate } from "../airflowShapes.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { AIRFLOW3_LISTS } from "../rest/dialect.js";
import { monitoringRouter } from "../rest/monitoring.js";

/** `/importErrors`, `/dagWarnings`, `/version` in Airflow 3's shapes (`/monitor/health` is served by the app itself, without credentials). */
export function monitoringRouterV2(context: AppContext): Router {
  return monitoringRouter(context, {
    dialect: AIRFLOW3_LISTS,
    importErrorJson: ({ id, error }) => ({
      import_error_id: id,
      timestamp: airflowDate(error.timestamp) ?? airflowDate(context.now().toISOString()),
      filename: error.file,
      bundle_name: "dags-folder",
      stack_trace: error.stack ?? `${error.name}: ${error.message}`,
    }),
    importErrorOrders: {
      id: (error) => error.import_error_id,
      import_error_id: (error) => error.import_error_id,
      filename: (error) => error.filename,
      timestamp: (error) => error.timestamp ?? "",
    },
    importErrorsFallbackOrder: "id",
    importErrorNotFound: (id) => new HttpError(404, `The ImportError with import_error_id: \`${id}\` was not found`),
    // Airflow 3 knows two warning types; Kitelab's other definition warnings have no place in this list.
    warningsOf: (summary, now) =>
      summary.dag.warnings
        .filter((message) => /pool/i.test(message))
        .map((message) => ({
          dag_id: summary.dag.dagId,
          warning_type: "non-existent pool",
          message,
          timestamp: now,
          dag_display_name: summary.dag.dagId,
        })),
    warningOrders: {
      dag_id: (warning) => warning.dag_id,
      warning_type: (warning) => warning.warning_type,
      message: (warning) => warning.message,
      timestamp: (warning) => warning.timestamp ?? "",
    },
  });
}
