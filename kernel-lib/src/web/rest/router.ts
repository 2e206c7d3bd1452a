import express, { type Request, type Response, type Router } from "express";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";

/**
 * One version of the API: its resource routers behind the access rule every version shares
 * (reads follow `exposeReads`, writes need the token in a header), and a 404 for any other
 * route. The routers are tried in order, so a batch list (`/dags/~/dagRuns/list`) must come
 * before a route whose parameters would match it.
 */
export function versionRouter(context: AppContext, resources: readonly Router[]): Router {
  const { guard } = context;
  const router = express.Router();

  router.use((req, _res, next) => {
    if (req.method === "GET" || req.method === "HEAD") guard.requireRead(req);
    else guard.requireTokenHeader(req);
    next();
  });
  for (const resource of resources) router.use(resource);
  router.use((req: Request, _res: Response) => {
    throw new HttpError(404, `The API has no ${req.method} ${req.baseUrl}${req.path}.`);
  });
  return router;
}
