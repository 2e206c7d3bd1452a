import express, { type Router } from "express";
import type { AppContext } from "./context.js";
import type { QueueSummary, WorkerSummary, WorkersView } from "./ports.js";
import { HttpError } from "./problems.js";

/** The JSON of `GET /api/v1/workers` (Kitelab's addition; Airflow has Flower for this). */
export function workersJson(
  snapshot: { workers: WorkerSummary[]; queues: QueueSummary[] },
  runLink: (dagId: string, runId: string) => string,
) {
  return {
    workers: snapshot.workers.map((worker) => ({
      id: worker.id,
      hostname: worker.hostname,
      pid: worker.pid,
      state: worker.state,
      queues: worker.queues,
      concurrency: worker.concurrency,
      started_at: worker.startedAt,
      last_heartbeat: worker.lastHeartbeat,
      running: worker.running.map((attempt) => ({
        dag_id: attempt.dagId,
        dag_run_id: attempt.runId,
        task_id: attempt.taskId,
        try_number: attempt.tryNumber,
        started_at: attempt.startedAt,
        href: runLink(attempt.dagId, attempt.runId),
      })),
      tasks_done: worker.done,
      tasks_failed: worker.failed,
    })),
    queues: snapshot.queues,
    total_entries: snapshot.workers.length,
  };
}

function requireWorkers(context: AppContext): WorkersView {
  if (!context.deps.workers) {
    throw new HttpError(
      404,
      "This Kitelab runs tasks with the LocalExecutor: there are no workers to show. Set [core] executor = BullMQExecutor and start `kitelab worker`s.",
    );
  }
  return context.deps.workers;
}

/** `/workers` (the page, live-updating) and `/api/v1/workers` (its data). */
export function workersRouter(context: AppContext): Router {
  const router = express.Router();
  const runLink = (dagId: string, runId: string) => context.url(["dags", dagId], { run_id: runId });

  router.get("/api/v1/workers", async (req, res) => {
    context.guard.requireRead(req);
    res.json(workersJson(await requireWorkers(context).snapshot(), runLink));
  });

  router.get("/workers", async (req, res) => {
    context.guard.requireRead(req);
    const json = workersJson(await requireWorkers(context).snapshot(), runLink);
    const model = {
      ...context.pageModel(res, "Workers", "workers"),
      ...json,
      apiUrl: context.url(["api", "v1", "workers"]),
    };
    res.type("html").send(context.views.render("workers", model));
  });

  return router;
}
