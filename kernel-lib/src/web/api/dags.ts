import { readFile } from "node:fs/promises";
import express, { type Router } from "express";
import { dagDetailsJson, dagJson, filelocOfToken, taskJson } from "../airflowShapes.js";
import { AIRFLOW2_LISTS } from "../rest/dialect.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { control, importErrorFiles, requireDag } from "../rest/lookups.js";
import { booleanQuery, listQuery, objectBody, pageOf, sortedBy, stringQuery, updateMask } from "../rest/request.js";

/** `/dags`, `/dags/{dag_id}` (+ `/details`, `/tasks`), `/dagSources/{file_token}`. */
export function dagsRouter(context: AppContext): Router {
  const read = context.deps.read;
  const router = express.Router();

  router.get("/dags", (req, res) => {
    const page = AIRFLOW2_LISTS.page(req);
    const paused = booleanQuery(req, "paused");
    const pattern = stringQuery(req, "dag_id_pattern");
    const tags = listQuery(req, "tags");
    const onlyActive = booleanQuery(req, "only_active") ?? true;
    const errors = importErrorFiles(context);
    const dags = sortedBy(
      read
        .dags()
        .filter((summary) => !onlyActive || summary.isActive)
        .filter((summary) => paused === undefined || summary.isPaused === paused)
        .filter((summary) => pattern === undefined || summary.dag.dagId.toLowerCase().includes(pattern.toLowerCase()))
        .filter((summary) => tags.length === 0 || tags.some((tag) => summary.dag.tags.includes(tag))),
      stringQuery(req, "order_by"),
      "dag_id",
      {
        dag_id: (summary) => summary.dag.dagId,
        fileloc: (summary) => summary.dag.fileloc,
        is_paused: (summary) => Number(summary.isPaused),
        next_dagrun: (summary) => summary.nextLogicalDate,
      },
    );
    const { items, total_entries } = pageOf(dags, page);
    res.json({ dags: items.map((summary) => dagJson(summary, errors.has(summary.dag.fileloc))), total_entries });
  });

  router.get("/dags/:dagId", (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    res.json(dagJson(summary, importErrorFiles(context).has(summary.dag.fileloc)));
  });

  router.get("/dags/:dagId/details", (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    res.json(dagDetailsJson(summary, importErrorFiles(context).has(summary.dag.fileloc)));
  });

  router.get("/dags/:dagId/tasks", (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    const tasks = sortedBy(summary.dag.tasks, stringQuery(req, "order_by"), "task_id", {
      task_id: (task) => task.taskId,
    });
    res.json({ tasks: tasks.map(taskJson), total_entries: tasks.length });
  });

  router.get("/dags/:dagId/tasks/:taskId", (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    const task = summary.dag.tasks.find((candidate) => candidate.taskId === req.params.taskId);
    if (!task)
      throw new HttpError(
        404,
        `Task with id '${req.params.taskId}' not found in DAG '${summary.dag.dagId}'`,
        "Task not found",
      );
    res.json(taskJson(task));
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
    res.json(dagJson(updated, importErrorFiles(context).has(summary.dag.fileloc)));
  });

  // Airflow's token is a signed path; Kitelab's names the file openly and serves only DAG files.
  router.get("/dagSources/:fileToken", async (req, res) => {
    const fileloc = filelocOfToken(String(req.params.fileToken));
    if (!read.dags().some((summary) => summary.dag.fileloc === fileloc)) {
      throw new HttpError(
        404,
        "No DAG file has that file token; read `file_token` from GET /dags/{dag_id}.",
        "DAG source not found",
      );
    }
    let content: string;
    try {
      content = await readFile(fileloc, "utf8");
    } catch {
      throw new HttpError(404, `The DAG file ${fileloc} can no longer be read.`, "DAG source not found");
    }
    if (req.accepts(["text/plain", "application/json"]) === "application/json") res.json({ content });
    else res.type("text/plain; charset=utf-8").send(content);
  });

  return router;
}
