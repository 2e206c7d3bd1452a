import express, { type Router } from "express";
import { taskInstanceJson, taskInstanceReference } from "../airflowShapes.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { AIRFLOW2_LISTS } from "../rest/dialect.js";
import { control, requireDag, requireRun, requireTaskInstance } from "../rest/lookups.js";
import {
  listQuery,
  objectBody,
  optionalBoolean,
  optionalStringList,
  requiredNote,
  requiredString,
} from "../rest/request.js";
import {
  anyOf,
  checkTaskState,
  clearSelected,
  markableState,
  markInstances,
  runsNamed,
  type Selected,
  taskInstancesRouter as sharedTaskInstancesRouter,
  taskLogOf,
  taskWithRelatives,
  withOperator,
} from "../rest/taskInstances.js";

/** Task instances (lists, one, logs, mark, note, clear) in Airflow 2's shapes. */
export function taskInstancesRouter(context: AppContext): Router {
  const { deps } = context;
  const router = express.Router();
  const json = withOperator(context, taskInstanceJson);
  const references = (selection: readonly Selected[]) => ({
    task_instances: selection.map(({ ti, run }) => taskInstanceReference(ti, run)),
  });
  const { range, rangeField } = AIRFLOW2_LISTS;

  router.use(
    sharedTaskInstancesRouter(context, {
      dialect: AIRFLOW2_LISTS,
      filterOf: (req) => ({
        states: anyOf(listQuery(req, "state")),
        pools: anyOf(listQuery(req, "pool")),
        logicalDate: range(req, "execution_date"),
        startDate: range(req, "start_date"),
        endDate: range(req, "end_date"),
      }),
      batchPath: "/dags/~/dagRuns/~/taskInstances/list",
      batchOf(body) {
        const states = optionalStringList(body, "state");
        for (const state of states ?? []) checkTaskState(state);
        return {
          dagIds: optionalStringList(body, "dag_ids"),
          runIds: optionalStringList(body, "dag_run_ids"),
          filter: {
            taskIds: optionalStringList(body, "task_ids"),
            states,
            pools: optionalStringList(body, "pool"),
            logicalDate: rangeField(body, "execution_date"),
            startDate: rangeField(body, "start_date"),
            endDate: rangeField(body, "end_date"),
          },
        };
      },
      json,
    }),
  );

  router.patch("/dags/:dagId/dagRuns/:runId/taskInstances/:taskId", async (req, res) => {
    const run = requireRun(context, req.params.dagId, req.params.runId);
    const ti = requireTaskInstance(context, run, req.params.taskId);
    const body = objectBody(req);
    const state = markableState(requiredString(body, "new_state"));
    if (optionalBoolean(body, "dry_run") === false)
      await control(() => deps.control.setTaskInstanceState(run.dagId, run.runId, [ti.taskId], state));
    res.json(taskInstanceReference(ti, run));
  });

  router.patch("/dags/:dagId/dagRuns/:runId/taskInstances/:taskId/setNote", async (req, res) => {
    const run = requireRun(context, req.params.dagId, req.params.runId);
    const ti = requireTaskInstance(context, run, req.params.taskId);
    const note = requiredNote(objectBody(req));
    await control(() => deps.control.setNote(run.dagId, run.runId, ti.taskId, note));
    res.json(json({ ti: requireTaskInstance(context, run, ti.taskId), run }));
  });

  router.get("/dags/:dagId/dagRuns/:runId/taskInstances/:taskId/logs/:tryNumber", async (req, res) => {
    const { chunk, continuationToken } = await taskLogOf(context, req, 1);
    if (req.accepts(["text/plain", "application/json"]) === "application/json") {
      res.json({ content: chunk.content, continuation_token: continuationToken });
    } else {
      res.type("text/plain; charset=utf-8").send(chunk.content);
    }
  });

  router.post("/dags/:dagId/clearTaskInstances", async (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    res.json(references(await clearSelected(context, summary, objectBody(req), (body) => body.dry_run !== false)));
  });

  router.post("/dags/:dagId/updateTaskInstancesState", async (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    const body = objectBody(req);
    const state = markableState(requiredString(body, "new_state"));
    const taskId = requiredString(body, "task_id");
    if (!summary.dag.tasks.some((task) => task.taskId === taskId)) {
      throw new HttpError(404, `Task '${taskId}' not found in DAG '${summary.dag.dagId}'`, "Task not found");
    }
    const selection = taskWithRelatives(context, summary, runsNamed(context, summary, body), taskId, body).filter(
      ({ ti }) => ti.state !== state,
    );
    if (optionalBoolean(body, "dry_run") === false) await markInstances(context, selection, state);
    res.json(references(selection));
  });

  return router;
}
