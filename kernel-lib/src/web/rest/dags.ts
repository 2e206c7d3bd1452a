import { readFile } from "node:fs/promises";
import express, { type Request, type Router } from "express";
import type { AppContext } from "../context.js";
import type { DagSummary } from "../ports.js";
import { HttpError } from "../problems.js";
import type { ListDialect } from "./dialect.js";
import { control, importErrorFiles, requireDag } from "./lookups.js";
import { objectBody, pageOf, type SortKeys, sortedBy, stringQuery, updateMask } from "./request.js";

type Task = DagSummary["dag"]["tasks"][number];

/** What a DAG list may be narrowed to; each version reads it from its own query parameters. */
export interface DagFilter {
  /** Leave out DAGs whose file is gone. */
  activeOnly: boolean;
  paused?: boolean;
  idMatches?(dagId: string): boolean;
  tags: readonly string[];
  /** Every tag must be on the DAG, not just one. */
  allTags?: boolean;
  owners?: readonly string[];
}

/**
 * `/dags`, `/dags/{dag_id}` (+ `/details`, `/tasks`): listing, reading and pausing DAGs,
 * written once; a version's adapter reads its filter and gives its shapes and messages.
 */
export interface DagsApi {
  dialect: ListDialect;
  filterOf(req: Request): DagFilter;
  orders: SortKeys<DagSummary>;
  dagJson(summary: DagSummary, hasImportErrors: boolean): unknown;
  detailsJson(summary: DagSummary, hasImportErrors: boolean): unknown;
  taskJson(task: Task): unknown;
  taskNotFound(taskId: string, dagId: string): HttpError;
}

export function dagsRouter(context: AppContext, api: DagsApi): Router {
  const read = context.deps.read;
  const router = express.Router();
  const hasErrors = (summary: DagSummary) => importErrorFiles(context).has(summary.dag.fileloc);

  router.get("/dags", (req, res) => {
    const filter = api.filterOf(req);
    const errors = importErrorFiles(context);
    const dags = sortedBy(filteredDags(read.dags(), filter), api.dialect.orderBy(req), "dag_id", api.orders);
    const { items, total_entries } = pageOf(dags, api.dialect.page(req));
    res.json({ dags: items.map((summary) => api.dagJson(summary, errors.has(summary.dag.fileloc))), total_entries });
  });

  router.get("/dags/:dagId", (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    res.json(api.dagJson(summary, hasErrors(summary)));
  });

  router.patch("/dags/:dagId", async (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    const body = objectBody(req);
    updateMask(req, body, ["is_paused"]);
    if (typeof body.is_paused !== "boolean") {
      throw new HttpError(
        400,
        `Expected \`is_paused\` to be true or false, got ${JSON.stringify(body.is_paused) ?? "nothing"}.`,
      );
    }
    const paused = body.is_paused;
    await control(() => context.deps.control.setPaused(summary.dag.dagId, paused));
    const updated = read.dag(summary.dag.dagId) ?? { ...summary, isPaused: paused };
    res.json(api.dagJson(updated, hasErrors(summary)));
  });

  router.get("/dags/:dagId/details", (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    res.json(api.detailsJson(summary, hasErrors(summary)));
  });

  router.get("/dags/:dagId/tasks", (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    const tasks = sortedBy(summary.dag.tasks, stringQuery(req, "order_by"), "task_id", {
      task_id: (task) => task.taskId,
    });
    res.json({ tasks: tasks.map((task) => api.taskJson(task)), total_entries: tasks.length });
  });

  router.get("/dags/:dagId/tasks/:taskId", (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    const task = summary.dag.tasks.find((candidate) => candidate.taskId === req.params.taskId);
    if (!task) throw api.taskNotFound(String(req.params.taskId), summary.dag.dagId);
    res.json(api.taskJson(task));
  });

  return router;
}

export function filteredDags(dags: readonly DagSummary[], filter: DagFilter): DagSummary[] {
  const { tags, owners = [] } = filter;
  return dags.filter(
    (summary) =>
      (!filter.activeOnly || summary.isActive) &&
      (filter.paused === undefined || summary.isPaused === filter.paused) &&
      (filter.idMatches === undefined || filter.idMatches(summary.dag.dagId)) &&
      (tags.length === 0 ||
        (filter.allTags
          ? tags.every((tag) => summary.dag.tags.includes(tag))
          : tags.some((tag) => summary.dag.tags.includes(tag)))) &&
      (owners.length === 0 || summary.dag.tasks.some((task) => owners.includes(task.owner))),
  );
}

/** A DAG file's text, or `notFound` when it can no longer be read. */
export async function dagSource(fileloc: string, notFound: () => HttpError): Promise<string> {
  try {
    return await readFile(fileloc, "utf8");
  } catch {
    throw notFound();
  }
}
