import express, { type Router } from "express";
import { version } from "../../version.js";
import { airflowDate } from "../airflowShapes.js";
import type { AppContext } from "../context.js";
import type { DagSummary, ReadModel } from "../ports.js";
import type { HttpError } from "../problems.js";
import type { ListDialect } from "./dialect.js";
import { pageOf, type SortKeys, sortedBy, stringQuery } from "./request.js";

export type ImportErrorRecord = ReturnType<ReadModel["importErrors"]>[number];

/** An import error with its 1-based id, ordered by file so an id stays put while the list does. */
export interface NumberedImportError {
  id: number;
  error: ImportErrorRecord;
}

/** A DAG warning as a version answers it: the list filters on its type. */
export interface WarningJson {
  dag_id: string;
  warning_type: string;
  message: string;
  timestamp: string | null;
}

/**
 * `/importErrors`, `/dagWarnings`, `/version` (health is served by the app itself): the
 * lists read, filtered, sorted and paged once; a version's adapter gives its shapes.
 */
export interface MonitoringApi<E> {
  dialect: ListDialect;
  importErrorJson(numbered: NumberedImportError): E;
  importErrorOrders: SortKeys<E>;
  importErrorsFallbackOrder: string;
  importErrorNotFound(id: string): HttpError;
  /** The warnings of one DAG the version lists, timestamped `now`. */
  warningsOf(summary: DagSummary, now: string | null): WarningJson[];
  warningOrders: SortKeys<WarningJson>;
}

export function monitoringRouter<E>(context: AppContext, api: MonitoringApi<E>): Router {
  const read = context.deps.read;
  const router = express.Router();

  const numbered = (): NumberedImportError[] =>
    [...read.importErrors()]
      .sort((a, b) => a.file.localeCompare(b.file))
      .map((error, index) => ({ id: index + 1, error }));

  router.get("/importErrors", (req, res) => {
    const errors = sortedBy(
      numbered().map((error) => api.importErrorJson(error)),
      api.dialect.orderBy(req),
      api.importErrorsFallbackOrder,
      api.importErrorOrders,
    );
    const { items, total_entries } = pageOf(errors, api.dialect.page(req));
    res.json({ import_errors: items, total_entries });
  });

  router.get("/importErrors/:id", (req, res) => {
    const error = numbered().find((candidate) => String(candidate.id) === req.params.id);
    if (!error) throw api.importErrorNotFound(req.params.id);
    res.json(api.importErrorJson(error));
  });

  router.get("/dagWarnings", (req, res) => {
    const dagId = stringQuery(req, "dag_id");
    const type = stringQuery(req, "warning_type");
    const now = airflowDate(context.now().toISOString());
    const warnings = read
      .dags()
      .filter((summary) => dagId === undefined || summary.dag.dagId === dagId)
      .flatMap((summary) => api.warningsOf(summary, now))
      .filter((warning) => type === undefined || warning.warning_type === type);
    const sorted = sortedBy(warnings, api.dialect.orderBy(req), "dag_id", api.warningOrders);
    const { items, total_entries } = pageOf(sorted, api.dialect.page(req));
    res.json({ dag_warnings: items, total_entries });
  });

  router.get("/version", (_req, res) => {
    res.json({ version, git_version: null });
  });

  return router;
}
