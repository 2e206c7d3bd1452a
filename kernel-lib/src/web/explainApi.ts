import express, { type Request, type Router } from "express";
import { parseIsoInstant } from "../timetable/isoDate.js";
import { toMilliseconds } from "../util/duration.js";
import type { AppContext } from "./context.js";
import { HttpError, messageOf } from "./problems.js";
import { checkPathParam } from "./security.js";

/**
 * Kitelab's additions to `/api/v1` (Airflow has neither): `GET /dags/{id}/explain` answers
 * "why isn't my DAG running?", `GET /clock` and `POST /clock` show and move the scheduler's
 * teaching clock. Same auth as the rest of the API: reads per `expose_reads`, writes with the token.
 */
export function explainApiRouter(context: AppContext): Router {
  const { deps, guard } = context;
  const router = express.Router();

  router.get("/dags/:dagId/explain", (req, res) => {
    guard.requireRead(req);
    const dagId = checkPathParam("DAG id", req.params.dagId);
    if (!deps.explainer)
      throw new HttpError(404, "This Kitelab server does not explain DAGs (it has no scheduler store).");
    const now = instantQuery(req, "now");
    const runId =
      typeof req.query.run_id === "string" && req.query.run_id !== ""
        ? checkPathParam("DAG run id", req.query.run_id)
        : undefined;
    const explanation = deps.explainer.explain(dagId, { now, runId });
    if (!explanation) {
      const known = deps.read
        .dags()
        .map((summary) => summary.dag.dagId)
        .sort();
      throw new HttpError(
        404,
        `No DAG '${dagId}' and no import error naming it${known.length > 0 ? `; known DAGs: ${known.join(", ")}` : ""}.`,
        "DAG not found",
      );
    }
    res.json(explanation);
  });

  router.get("/clock", (req, res) => {
    guard.requireRead(req);
    res.json(deps.clock?.info() ?? { mode: "real", now: context.now().toISOString(), description: "real time" });
  });

  router.post("/clock", (req, res) => {
    guard.requireTokenHeader(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (
      typeof body !== "object" ||
      Array.isArray(body) ||
      (typeof body.advance !== "string" && typeof body.advance !== "number")
    ) {
      throw new HttpError(
        400,
        `Expected a JSON body such as {"advance": "1d"} (a duration: 30m, 6h, 1d, 1w), got ${JSON.stringify(req.body) ?? "nothing"}.`,
      );
    }
    let ms: number;
    try {
      ms = toMilliseconds(body.advance, "advance");
    } catch (error) {
      throw new HttpError(400, messageOf(error));
    }
    if (!deps.clock || deps.clock.info().mode !== "manual") {
      const mode = deps.clock?.info().mode ?? "real";
      throw new HttpError(
        409,
        `The scheduler runs on the ${mode} clock, which moves by itself; only a manual clock can be advanced. Restart it with \`kitelab standalone --clock manual\` to move time by hand.`,
      );
    }
    try {
      res.json(deps.clock.advance(ms));
    } catch (error) {
      throw new HttpError(400, messageOf(error));
    }
  });

  return router;
}

function instantQuery(req: Request, name: string): Date | undefined {
  const value = req.query[name];
  if (value === undefined || value === "") return undefined;
  const instant = typeof value === "string" ? parseIsoInstant(value, "UTC") : undefined;
  if (!instant)
    throw new HttpError(
      400,
      `Expected \`${name}\` to be an ISO-8601 instant such as 2024-01-01T12:00:00Z, got ${JSON.stringify(value)}.`,
    );
  return instant;
}
