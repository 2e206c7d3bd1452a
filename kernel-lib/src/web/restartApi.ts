import express, { type Router } from "express";
import type { AppContext } from "./context.js";
import { HttpError, messageOf } from "./problems.js";

/**
 * Kitelab's addition to `/api/v1` (Airflow has none): `POST /scheduler/restart` restarts the
 * scheduler in place, so that it reads airflow.cfg again (the JupyterLab palette, the side
 * panel's button and `kitelab.restart()` in a notebook ask for it). It answers once the new
 * scheduler runs; a config that does not load is refused with 400 and the old one keeps running.
 */
export function restartApiRouter(context: AppContext): Router {
  const { deps, guard } = context;
  const router = express.Router();
  router.post("/scheduler/restart", async (req, res) => {
    guard.requireTokenHeader(req);
    if (!deps.restart) {
      throw new HttpError(
        409,
        "This Kitelab server cannot restart its scheduler (only `kitelab standalone` and `kitelab scheduler` can): stop it and start it again.",
      );
    }
    const outcome = await deps.restart();
    if (!outcome.ok) throw new HttpError(400, messageOf(outcome.error));
    res.json(outcome.value);
  });
  return router;
}
