import express, { type Router } from "express";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { AIRFLOW3_LISTS } from "../rest/dialect.js";
import { control, requireDag, requireRun, requireTaskInstance } from "../rest/lookups.js";
import {
  listQuery,
  objectBody,
  optionalBoolean,
  optionalString,
  optionalStringList,
  type SortKeys,
  stringQuery,
  updateMask,
} from "../rest/request.js";
import {
  anyOf,
  checkTaskState,
  clearSelected,
  markableState,
  markInstances,
  type Selected,
  taskInstancesRouter,
  taskLogOf,
  taskWithRelatives,
  withOperator,
} from "../rest/taskInstances.js";
import { taskInstanceJsonV2 } from "./shapes.js";

const TI_ORDERS: SortKeys<Selected> = {
  id: ({ ti }) => `${ti.dagId}\u0000${ti.runId}\u0000${ti.taskId}`,
  task_id: ({ ti }) => ti.taskId,
  dag_id: ({ ti }) => ti.dagId,
  run_id: ({ ti }) => ti.runId,
  dag_run_id: ({ ti }) => ti.runId,
  state: ({ ti }) => ti.state,
  start_date: ({ ti }) => ti.startDate,
  end_date: ({ ti }) => ti.endDate,
  duration: ({ ti }) => ti.durationMs ?? Number.POSITIVE_INFINITY,
  try_number: ({ ti }) => ti.tryNumber,
  pool: ({ ti }) => ti.pool ?? "default_pool",
  logical_date: ({ run }) => run.logicalDate,
  run_after: ({ run }) => run.runAfter,
  map_index: () => -1,
};

/** Task instances (lists, one, mark and note, logs, clear) in Airflow 3's shapes. */
export function taskInstancesRouterV2(context: AppContext): Router {
  const { deps } = context;
  const router = express.Router();
  const json = withOperator(context, taskInstanceJsonV2);
  const collection = (selected: readonly Selected[]) => ({
    task_instances: selected.map(json),
    total_entries: selected.length,
  });
  const { range, rangeField } = AIRFLOW3_LISTS;

  router.use(
    taskInstancesRouter(context, {
      dialect: AIRFLOW3_LISTS,
      filterOf(req) {
        const taskId = stringQuery(req, "task_id");
        const states = listQuery(req, "state");
        for (const state of states) checkTaskState(state);
        return {
          taskIds: taskId === undefined ? undefined : [taskId],
          states: anyOf(states),
          pools: anyOf(listQuery(req, "pool")),
          logicalDate: range(req, "logical_date"),
          runAfter: range(req, "run_after"),
          startDate: range(req, "start_date"),
          endDate: range(req, "end_date"),
        };
      },
      batchPath: "/dags/:dagId/dagRuns/:runId/taskInstances/list",
      batchOf(body, pathDag, pathRun) {
        const dagIds = optionalStringList(body, "dag_ids") ?? (pathDag === undefined ? undefined : [pathDag]);
        const runIds = optionalStringList(body, "dag_run_ids") ?? (pathRun === undefined ? undefined : [pathRun]);
        const taskIds = optionalStringList(body, "task_ids");
        const states = optionalStringList(body, "state");
        for (const state of states ?? []) checkTaskState(state);
        return {
          dagIds,
          runIds,
          filter: {
            taskIds,
            states,
            pools: optionalStringList(body, "pool"),
            logicalDate: rangeField(body, "logical_date"),
            runAfter: rangeField(body, "run_after"),
            startDate: rangeField(body, "start_date"),
            endDate: rangeField(body, "end_date"),
          },
          orderBy: optionalString(body, "order_by"),
        };
      },
      sort: { fallback: "map_index", orders: TI_ORDERS },
      json,
    }),
  );

  /** The instances a PATCH names: the task, with its relatives when asked, in this run. */
  const patchSelection = (dagParam: unknown, runParam: unknown, taskParam: unknown, body: Record<string, unknown>) => {
    const run = requireRun(context, dagParam, runParam);
    const ti = requireTaskInstance(context, run, taskParam);
    for (const field of ["include_future", "include_past"]) {
      if (optionalBoolean(body, field)) {
        throw new HttpError(400, `Kitelab marks task instances within one run: \`${field}\` can only be false.`);
      }
    }
    return { run, ti, selected: taskWithRelatives(context, requireDag(context, run.dagId), [run], ti.taskId, body) };
  };

  router.patch("/dags/:dagId/dagRuns/:runId/taskInstances/:taskId/dry_run", (req, res) => {
    const body = objectBody(req);
    const fields = updateMask(req, body, ["new_state", "note"]);
    const { run, ti, selected } = patchSelection(req.params.dagId, req.params.runId, req.params.taskId, body);
    if (fields.includes("new_state")) {
      const state = markableState(optionalString(body, "new_state") ?? "");
      res.json(collection(selected.filter(({ ti: instance }) => instance.state !== state)));
      return;
    }
    res.json(collection([{ ti, run }]));
  });

  router.patch("/dags/:dagId/dagRuns/:runId/taskInstances/:taskId", async (req, res) => {
    const body = objectBody(req);
    const fields = updateMask(req, body, ["new_state", "note"]);
    const { run, ti, selected } = patchSelection(req.params.dagId, req.params.runId, req.params.taskId, body);
    if (fields.length === 0) throw new HttpError(400, "Send `new_state`, `note` or both.");
    let changed: Selected[] = [{ ti, run }];
    if (fields.includes("new_state")) {
      const state = markableState(optionalString(body, "new_state") ?? "");
      changed = selected.filter(({ ti: instance }) => instance.state !== state);
      await markInstances(context, changed, state);
    }
    if (fields.includes("note")) {
      const note = optionalString(body, "note") ?? "";
      await control(() => deps.control.setNote(run.dagId, run.runId, ti.taskId, note));
    }
    const fresh = new Map(deps.read.taskInstances(run.dagId, run.runId).map((instance) => [instance.taskId, instance]));
    res.json(collection(changed.map(({ ti: instance }) => ({ ti: fresh.get(instance.taskId) ?? instance, run }))));
  });

  router.get("/dags/:dagId/dagRuns/:runId/taskInstances/:taskId/logs/:tryNumber", async (req, res) => {
    const { chunk, continuationToken } = await taskLogOf(context, req, 0);
    // Airflow 3's logs are structured: one message per line.
    const lines = chunk.content.split("\n").filter((line, index, all) => line !== "" || index < all.length - 1);
    const messages = lines.map((event) => ({ event }));
    if (req.accepts(["application/json", "application/x-ndjson"]) === "application/x-ndjson") {
      res.type("application/x-ndjson").send(messages.map((message) => `${JSON.stringify(message)}\n`).join(""));
      return;
    }
    res.json({ content: messages, continuation_token: continuationToken });
  });

  router.post("/dags/:dagId/clearTaskInstances", async (req, res) => {
    const summary = requireDag(context, req.params.dagId);
    const body = objectBody(req);
    for (const field of ["include_future", "include_past"]) {
      if (optionalBoolean(body, field)) {
        throw new HttpError(400, `Kitelab clears task instances run by run: \`${field}\` can only be false.`);
      }
    }
    // Clearing always sends the runs back to be scheduled again, as Airflow's default `reset_dag_runs` does.
    if (optionalBoolean(body, "reset_dag_runs") === false) {
      throw new HttpError(
        400,
        "Kitelab always sends a cleared run back to the scheduler: `reset_dag_runs` can only be true.",
      );
    }
    res.json(collection(await clearSelected(context, summary, body, () => optionalBoolean(body, "dry_run") !== false)));
  });

  return router;
}
