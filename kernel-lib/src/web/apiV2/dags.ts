import { readFile } from "node:fs/promises";
import express, { type Router } from "express";
import { control, importErrorFiles, requireDag } from "../rest/lookups.js";
import {
  booleanQuery,
  likeMatch,
  listQuery,
  objectBody,
  pageOf,
  sortedBy,
  stringQuery,
  updateMask,
} from "../rest/request.js";
import { AIRFLOW3_LISTS } from "../rest/dialect.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { dagDetailsJsonV2, dagJsonV2, taskJsonV2 } from "./shapes.js";

/** `/dags`, `/dags/{dag_id}` (+ `/details`, `/tasks`), `/dagSources/{dag_id}`. */
export function dagsRouterV2(context: AppContext): Router {
  const read = context.deps.read;
  const router = express.Router();
  const json = (summary: Parameters<typeof dagJsonV2>[0]) =>
    dagJsonV2(summary, importErrorFiles(context).has(summary.dag.fileloc));

  router.get("/dags", (req, res) => {
    const paused = booleanQuery(req, "paused");
    const pattern = stringQuery(req, "dag_id_pattern");
    const tags = listQuery(req, "tags");
    const matchAll = stringQuery(req, "tags_match_mode") === "all";
    const owners = listQuery(req, "owners");
    const excludeStale = booleanQuery(req, "exclude_stale") ?? true;
    const dags = sortedBy(
      read
        .dags()
        .filter((summary) => !excludeStale || summary.isActive)
        .filter((summary) => paused === undefined || summary.isPaused === paused)
        .filter((summary) => pattern === undefined || likeMatch(summary.dag.dagId, pattern))
        .filter(
          (summary) =>
            tags.length === 0 ||
            (matchAll
              ? tags.every((tag) => summary.dag.tags.includes(tag))
              : tags.some((tag) => summary.dag.tags.includes(tag))),
        )
        .filter((summary) => owners.length === 0 || summary.dag.tasks.some((task) => owners.includes(task.owner))),
      AIRFLOW3_LISTS.orderBy(req),
      "dag_id",
      {
        dag_id: (summary) => summary.dag.dagId,
        dag_display_name: (summary) => summary.dag.dagId,
        next_dagrun: (summary) => summary.nextLogicalDate,
      },
    );
    const { items, total_entries } = pageOf(dags, AIRFLOW3_LISTS.page(req));
    res.json({ dags: items.map(json), total_entries });
  });

  router.get("/dags/:dagId", (req, res) => {
    res.json(json(requireDag(context, req.params.dagId)));
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
    res.json(json(read.dag(summary.dag.dagId) ?? { ...summary, isPaused: paused }));
  });

  router.get("/dags/:dagId/details", (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    res.json(dagDetailsJsonV2(summary, importErrorFiles(context).has(summary.dag.fileloc)));
  });

  router.get("/dags/:dagId/tasks", (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    const tasks = sortedBy(summary.dag.tasks, stringQuery(req, "order_by"), "task_id", {
      task_id: (task) => task.taskId,
    });
    res.json({ tasks: tasks.map(taskJsonV2), total_entries: tasks.length });
  });

  router.get("/dags/:dagId/tasks/:taskId", (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    const task = summary.dag.tasks.find((candidate) => candidate.taskId === req.params.taskId);
    if (!task) throw new HttpError(404, `Task with id: ${req.params.taskId} not found`);
    res.json(taskJsonV2(task));
  });

  // Airflow 3 names the source by DAG id (v1 took a file token).
  router.get("/dagSources/:dagId", async (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    let content: string;
    try {
      content = await readFile(summary.dag.fileloc, "utf8");
    } catch {
      throw new HttpError(404, `The file of DAG '${summary.dag.dagId}' can no longer be read.`);
    }
    if (req.accepts(["application/json", "text/plain"]) === "text/plain") {
      res.type("text/plain; charset=utf-8").send(content);
      return;
    }
    res.json({ content, dag_id: summary.dag.dagId, version_number: null, dag_display_name: summary.dag.dagId });
  });

  return router;
}
