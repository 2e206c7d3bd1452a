import express, { type Router } from "express";
import { dagDetailsJson, dagJson, filelocOfToken, taskJson } from "../airflowShapes.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { dagSource, dagsRouter as sharedDagsRouter } from "../rest/dags.js";
import { AIRFLOW2_LISTS } from "../rest/dialect.js";
import { booleanQuery, listQuery, stringQuery } from "../rest/request.js";

/** `/dags`, `/dags/{dag_id}` (+ `/details`, `/tasks`), `/dagSources/{file_token}` in Airflow 2's shapes. */
export function dagsRouter(context: AppContext): Router {
  const router = express.Router();
  router.use(
    sharedDagsRouter(context, {
      dialect: AIRFLOW2_LISTS,
      filterOf(req) {
        const paused = booleanQuery(req, "paused");
        const pattern = stringQuery(req, "dag_id_pattern")?.toLowerCase();
        return {
          paused,
          idMatches: pattern === undefined ? undefined : (dagId) => dagId.toLowerCase().includes(pattern),
          tags: listQuery(req, "tags"),
          activeOnly: booleanQuery(req, "only_active") ?? true,
        };
      },
      orders: {
        dag_id: (summary) => summary.dag.dagId,
        fileloc: (summary) => summary.dag.fileloc,
        is_paused: (summary) => Number(summary.isPaused),
        next_dagrun: (summary) => summary.nextLogicalDate,
      },
      dagJson,
      detailsJson: dagDetailsJson,
      taskJson,
      taskNotFound: (taskId, dagId) =>
        new HttpError(404, `Task with id '${taskId}' not found in DAG '${dagId}'`, "Task not found"),
    }),
  );

  // Airflow's token is a signed path; Kitelab's names the file openly and serves only DAG files.
  router.get("/dagSources/:fileToken", async (req, res) => {
    const fileloc = filelocOfToken(String(req.params.fileToken));
    if (!context.deps.read.dags().some((summary) => summary.dag.fileloc === fileloc)) {
      throw new HttpError(
        404,
        "No DAG file has that file token; read `file_token` from GET /dags/{dag_id}.",
        "DAG source not found",
      );
    }
    const content = await dagSource(
      fileloc,
      () => new HttpError(404, `The DAG file ${fileloc} can no longer be read.`, "DAG source not found"),
    );
    if (req.accepts(["text/plain", "application/json"]) === "application/json") res.json({ content });
    else res.type("text/plain; charset=utf-8").send(content);
  });

  return router;
}
