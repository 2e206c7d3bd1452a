import type { Router } from "express";
import { airflowDate } from "../airflowShapes.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { AIRFLOW2_LISTS } from "../rest/dialect.js";
import { monitoringRouter as sharedMonitoringRouter } from "../rest/monitoring.js";

/** `/importErrors`, `/dagWarnings`, `/version` in Airflow 2's shapes (`/health` is served by the app itself). */
export function monitoringRouter(context: AppContext): Router {
  return sharedMonitoringRouter(context, {
    dialect: AIRFLOW2_LISTS,
    importErrorJson: ({ id, error }) => ({
      import_error_id: id,
      timestamp: airflowDate(error.timestamp),
      filename: error.file,
      stack_trace: error.stack ?? `${error.name}: ${error.message}`,
    }),
    importErrorOrders: {
      import_error_id: (error) => error.import_error_id,
      id: (error) => error.import_error_id,
      filename: (error) => error.filename,
      timestamp: (error) => error.timestamp ?? "",
    },
    importErrorsFallbackOrder: "import_error_id",
    importErrorNotFound: (id) =>
      new HttpError(404, `The ImportError with import_error_id: \`${id}\` was not found`, "Import error not found"),
    warningsOf: (summary, now) =>
      summary.dag.warnings.map((message) => ({
        dag_id: summary.dag.dagId,
        // Kitelab's warnings are about the DAG's definition; Airflow's types are "asset conflict" and "non-existent pool".
        warning_type: /pool/i.test(message) ? "non-existent pool" : "dag definition",
        message,
        timestamp: now,
      })),
    warningOrders: {
      dag_id: (warning) => warning.dag_id,
      warning_type: (warning) => warning.warning_type,
      message: (warning) => warning.message,
    },
  });
}
