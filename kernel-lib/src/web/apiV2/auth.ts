import express, { type Router } from "express";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";

/**
 * Airflow 3's login, `POST /auth/token` (and `/auth/token/cli`), as its simple auth manager
 * serves it: `{"username", "password"}` as JSON or a form, answered 201 with
 * `{"access_token": JWT}`. The password is Kitelab's API token (`kitelab info`); the user
 * name is free, as with Basic auth on `/api/v1`.
 */
export function authRouter(context: AppContext): Router {
  const router = express.Router();
  router.post(["/auth/token", "/auth/token/cli"], (req, res) => {
    const body: unknown = req.body;
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new HttpError(
        400,
        'Send {"username": "...", "password": "<the API token>"} as JSON or as a form to get an access token.',
      );
    }
    const { username, password } = body as Record<string, unknown>;
    if (typeof username !== "string" || username === "" || typeof password !== "string") {
      throw new HttpError(
        400,
        "`username` and `password` are required strings: any user name, and Kitelab's API token (see `kitelab info`) as the password.",
      );
    }
    const token = context.guard.issueAccessToken(username, password);
    if (token === undefined) {
      throw new HttpError(401, "Invalid credentials: the password must be Kitelab's API token (see `kitelab info`).");
    }
    res.status(201).json({ access_token: token });
  });
  return router;
}
