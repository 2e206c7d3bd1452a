import express, { type Router } from "express";
import { version } from "../../version.js";
import { pageOf, sortedBy, stringQuery } from "../api/request.js";
import { airflowDate } from "../airflowShapes.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { orderByV2, paginationV2 } from "./request.js";

/** `/importErrors`, `/dagWarnings`, `/version` (`/monitor/health` is served by the app itself, without credentials). */
export function monitoringRouterV2(context: AppContext): Router {
  const read = context.deps.read;
  const router = express.Router();

  /** Import errors with 1-based ids, ordered by file so an id stays put while the list does. */
  const importErrors = () =>
    [...read.importErrors()]
      .sort((a, b) => a.file.localeCompare(b.file))
      .map((error, index) => ({
        import_error_id: index + 1,
        timestamp: airflowDate(error.timestamp) ?? airflowDate(context.now().toISOString()),
        filename: error.file,
        bundle_name: "dags-folder",
        stack_trace: error.stack ?? `${error.name}: ${error.message}`,
      }));

  router.get("/importErrors", (req, res) => {
    const errors = sortedBy(importErrors(), orderByV2(req), "id", {
      id: (error) => error.import_error_id,
      import_error_id: (error) => error.import_error_id,
      filename: (error) => error.filename,
      timestamp: (error) => error.timestamp ?? "",
    });
    const { items, total_entries } = pageOf(errors, paginationV2(req));
    res.json({ import_errors: items, total_entries });
  });

  router.get("/importErrors/:id", (req, res) => {
    const error = importErrors().find((candidate) => String(candidate.import_error_id) === req.params.id);
    if (!error) throw new HttpError(404, `The ImportError with import_error_id: \`${req.params.id}\` was not found`);
    res.json(error);
  });

  // Airflow 3 knows two warning types; Kitelab's other definition warnings have no place in this list.
  router.get("/dagWarnings", (req, res) => {
    const dagId = stringQuery(req, "dag_id");
    const type = stringQuery(req, "warning_type");
    const warnings = read
      .dags()
      .filter((summary) => dagId === undefined || summary.dag.dagId === dagId)
      .flatMap((summary) =>
        summary.dag.warnings
          .filter((message) => /pool/i.test(message))
          .map((message) => ({
            dag_id: summary.dag.dagId,
            warning_type: "non-existent pool",
            message,
            timestamp: airflowDate(context.now().toISOString()),
            dag_display_name: summary.dag.dagId,
          })),
      )
      .filter((warning) => type === undefined || warning.warning_type === type);
    const sorted = sortedBy(warnings, orderByV2(req), "dag_id", {
      dag_id: (warning) => warning.dag_id,
      warning_type: (warning) => warning.warning_type,
      message: (warning) => warning.message,
      timestamp: (warning) => warning.timestamp ?? "",
    });
    const { items, total_entries } = pageOf(sorted, paginationV2(req));
    res.json({ dag_warnings: items, total_entries });
  });

  router.get("/version", (_req, res) => {
    res.json({ version, git_version: null });
  });

  return router;
}
