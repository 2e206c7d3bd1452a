import express, { type Router } from "express";
import { version } from "../../version.js";
import { airflowDate } from "../airflowShapes.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { pageOf, pagination, sortedBy, stringQuery } from "./request.js";

/** `/importErrors`, `/dagWarnings`, `/version` (`/health` is served by the app itself). */
export function monitoringRouter(context: AppContext): Router {
  const read = context.deps.read;
  const router = express.Router();

  /** Import errors with their 1-based ids, ordered by file so an id stays put while the list does. */
  const importErrors = () =>
    [...read.importErrors()]
      .sort((a, b) => a.file.localeCompare(b.file))
      .map((error, index) => ({
        import_error_id: index + 1,
        timestamp: airflowDate(error.timestamp),
        filename: error.file,
        stack_trace: error.stack ?? `${error.name}: ${error.message}`,
      }));

  router.get("/importErrors", (req, res) => {
    const errors = sortedBy(importErrors(), stringQuery(req, "order_by"), "import_error_id", {
      import_error_id: (error) => error.import_error_id,
      id: (error) => error.import_error_id,
      filename: (error) => error.filename,
      timestamp: (error) => error.timestamp ?? "",
    });
    const { items, total_entries } = pageOf(errors, pagination(req));
    res.json({ import_errors: items, total_entries });
  });

  router.get("/importErrors/:id", (req, res) => {
    const error = importErrors().find((candidate) => String(candidate.import_error_id) === req.params.id);
    if (!error)
      throw new HttpError(
        404,
        `The ImportError with import_error_id: \`${req.params.id}\` was not found`,
        "Import error not found",
      );
    res.json(error);
  });

  router.get("/dagWarnings", (req, res) => {
    const dagId = stringQuery(req, "dag_id");
    const type = stringQuery(req, "warning_type");
    const warnings = read
      .dags()
      .filter((summary) => dagId === undefined || summary.dag.dagId === dagId)
      .flatMap((summary) =>
        summary.dag.warnings.map((message) => ({
          dag_id: summary.dag.dagId,
          // Kitelab's warnings are about the DAG's definition; Airflow's types are "asset conflict" and "non-existent pool".
          warning_type: /pool/i.test(message) ? "non-existent pool" : "dag definition",
          message,
          timestamp: airflowDate(context.now().toISOString()),
        })),
      )
      .filter((warning) => type === undefined || warning.warning_type === type);
    const sorted = sortedBy(warnings, stringQuery(req, "order_by"), "dag_id", {
      dag_id: (warning) => warning.dag_id,
      warning_type: (warning) => warning.warning_type,
      message: (warning) => warning.message,
    });
    const { items, total_entries } = pageOf(sorted, pagination(req));
    res.json({ dag_warnings: items, total_entries });
  });

  router.get("/version", (_req, res) => {
    res.json({ version, git_version: null });
  });

  return router;
}
