import express, { type Router } from "express";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { dagSource, dagsRouter } from "../rest/dags.js";
import { AIRFLOW3_LISTS } from "../rest/dialect.js";
import { requireDag } from "../rest/lookups.js";
import { booleanQuery, likeMatch, listQuery, stringQuery } from "../rest/request.js";
import { dagDetailsJsonV2, dagJsonV2, taskJsonV2 } from "./shapes.js";

/** `/dags`, `/dags/{dag_id}` (+ `/details`, `/tasks`), `/dagSources/{dag_id}` in Airflow 3's shapes. */
export function dagsRouterV2(context: AppContext): Router {
  const router = express.Router();
  router.use(
    dagsRouter(context, {
      dialect: AIRFLOW3_LISTS,
      filterOf(req) {
        const paused = booleanQuery(req, "paused");
        const pattern = stringQuery(req, "dag_id_pattern");
        return {
          paused,
          idMatches: pattern === undefined ? undefined : (dagId) => likeMatch(dagId, pattern),
          tags: listQuery(req, "tags"),
          allTags: stringQuery(req, "tags_match_mode") === "all",
          owners: listQuery(req, "owners"),
          activeOnly: booleanQuery(req, "exclude_stale") ?? true,
        };
      },
      orders: {
        dag_id: (summary) => summary.dag.dagId,
        dag_display_name: (summary) => summary.dag.dagId,
        next_dagrun: (summary) => summary.nextLogicalDate,
      },
      dagJson: dagJsonV2,
      detailsJson: dagDetailsJsonV2,
      taskJson: taskJsonV2,
      taskNotFound: (taskId) => new HttpError(404, `Task with id: ${taskId} not found`),
    }),
  );

  // Airflow 3 names the source by DAG id (v1 took a file token).
  router.get("/dagSources/:dagId", async (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    const content = await dagSource(
      summary.dag.fileloc,
      () => new HttpError(404, `The file of DAG '${summary.dag.dagId}' can no longer be read.`),
    );
    if (req.accepts(["application/json", "text/plain"]) === "text/plain") {
      res.type("text/plain; charset=utf-8").send(content);
      return;
    }
    res.json({ content, dag_id: summary.dag.dagId, version_number: null, dag_display_name: summary.dag.dagId });
  });

  return router;
}
