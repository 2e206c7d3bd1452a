import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import express, { type NextFunction, type Request, type Response } from "express";
import { STATE_STYLES } from "../graph/palette.js";
import { TASK_INSTANCE_STATES } from "../states.js";
import { apiRouter } from "./api.js";
import { authRouter } from "./apiV2/auth.js";
import { isAirflow3Path, v2ErrorOf } from "./apiV2/errors.js";
import { apiV2Router } from "./apiV2/router.js";
import { healthOf } from "./health.js";
import { pageRouter } from "./pages.js";
import type { AppContext, WebDeps } from "./context.js";
import { explainApiRouter } from "./explainApi.js";
import { restartApiRouter } from "./restartApi.js";
import { workersRouter } from "./workers.js";
import { HttpError, problemOf, statusOfError } from "./problems.js";
import { createGuard } from "./security.js";
import { checkJsonBody, checkPathSegments, withoutServerPaths } from "./edgeChecks.js";
import { hostCheck } from "./hostCheck.js";
import { assetFolder, loadViews } from "./views.js";

/** Largest request body accepted, JSON or form. */
export const BODY_LIMIT_BYTES = 64 * 1024;

export type { AppContext, OutboxEntry, OutboxView, RestartReport, WebDeps } from "./context.js";

/**
 * Builds the Kitelab web app: the status pages, the student pages and the Airflow-compatible
 * JSON APIs: Airflow 2's under `/api/v1`, Airflow 3's under `/api/v2` with its `POST /auth/token`. It does not listen; the caller does (`app.listen(port, host)`).
 * @example
 * const app = createApp({ read, control, baseUrl: "/", token, exposeReads: true, healthThresholdSeconds: 30, logFolder });
 * app.listen(5555, "127.0.0.1");
 */
export function createApp(deps: WebDeps): express.Express {
  const base = normalizeBaseUrl(deps.baseUrl);
  const now = deps.now ?? (() => new Date());
  const guard = createGuard({ token: deps.token, exposeReads: deps.exposeReads, cookiePath: base, now });
  const views = loadViews();
  const context: AppContext = {
    deps,
    base,
    now,
    guard,
    views,
    pageModel: (res, title, nav) => ({
      title,
      base,
      nonce: String(res.locals.nonce),
      csrf: guard.csrfFor(res.req),
      nav,
      hasOutbox: deps.outbox !== undefined,
      clock: deps.clock?.info(),
      hasWorkers: deps.workers !== undefined,
    }),
    url: (segments, query) => {
      const path = base + segments.map((segment) => encodeURIComponent(segment)).join("/");
      const entries = Object.entries(query ?? {}).filter(
        (entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== "",
      );
      return entries.length === 0
        ? path
        : `${path}?${new URLSearchParams(entries.map(([key, value]): [string, string] => [key, String(value)])).toString()}`;
    },
  };

  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(stripBase(base));
  app.use(securityHeaders);
  app.use(hostCheck(guard, deps.allowedHosts ?? []));
  app.use(checkPathSegments);
  app.use(express.json({ limit: BODY_LIMIT_BYTES, type: ["application/json", "application/*+json"] }));
  app.use(express.urlencoded({ extended: false, limit: BODY_LIMIT_BYTES }));
  app.use(checkJsonBody);

  const staticFiles = loadStatic();
  app.get("/static/:file", (req, res) => {
    const file = staticFiles.get(String(req.params.file));
    if (!file) throw new HttpError(404, "No such static file.");
    res.type(file.type).set("Cache-Control", "no-cache").send(file.body);
  });

  app.get(["/health", "/api/v1/health"], (_req, res) => {
    const { report, healthy } = healthOf(deps.read, now(), deps.healthThresholdSeconds);
    res.status(healthy ? 200 : 503).json(report);
  });

  // Airflow 3 answers its health check without credentials, as Airflow 2 does `/health`.
  app.get("/api/v2/monitor/health", (_req, res) => {
    res.json(healthOf(deps.read, now(), deps.healthThresholdSeconds).report);
  });

  app.use("/api/v1", explainApiRouter(context));
  app.use("/api/v1", restartApiRouter(context));
  app.use(workersRouter(context));
  app.use("/api/v1", apiRouter(context));
  app.use("/api/v2", apiV2Router(context));
  app.use(authRouter(context));
  app.use(pageRouter(context));

  app.use((req: Request, _res: Response, next: NextFunction) => {
    next(new HttpError(404, `Nothing lives at ${req.method} ${req.path}.`));
  });
  app.use(errorHandler(context));
  return app;
}

/** `"/x"`, `"x/"`, `"http://h/x"` → `"/x/"`; empty → `"/"`. */
export function normalizeBaseUrl(value: string): string {
  let path = (value ?? "").trim();
  if (/^https?:\/\//i.test(path)) path = new URL(path).pathname;
  path = `/${path}/`.replace(/\/{2,}/g, "/");
  return path;
}

function stripBase(base: string) {
  const bare = base.slice(0, -1);
  return (req: Request, _res: Response, next: NextFunction) => {
    if (bare !== "" && (req.url === bare || req.url.startsWith(`${bare}/`) || req.url.startsWith(`${bare}?`))) {
      const rest = req.url.slice(bare.length);
      req.url = rest === "" || rest.startsWith("?") ? `/${rest}` : rest;
    }
    next();
  };
}

function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  const nonce = randomBytes(16).toString("base64");
  res.locals.nonce = nonce;
  res.set({
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Content-Security-Policy": [
      "default-src 'none'",
      "script-src 'self'",
      `style-src 'self' 'nonce-${nonce}'`,
      "img-src 'self' data:",
      "connect-src 'self'",
      "form-action 'self'",
      "frame-ancestors 'self'",
      "base-uri 'none'",
    ].join("; "),
  });
  next();
}

function loadStatic(): Map<string, { type: string; body: string }> {
  const folder = assetFolder("static");
  return new Map([
    [
      "app.css",
      { type: "text/css; charset=utf-8", body: readFileSync(join(folder, "app.css"), "utf8") + stateStyles() },
    ],
    ["app.js", { type: "text/javascript; charset=utf-8", body: readFileSync(join(folder, "app.js"), "utf8") }],
    ["favicon.svg", { type: "image/svg+xml", body: readFileSync(join(folder, "favicon.svg"), "utf8") }],
  ]);
}

/** Badge and square colours for every state, from the graph's palette so page and graph agree. */
function stateStyles(): string {
  return TASK_INSTANCE_STATES.map((state) => {
    const style = STATE_STYLES[state];
    return `\n.badge.state-${state}, .square.state-${state} { background: ${style.fill}; color: ${style.text}; border-color: ${style.stroke}; }`;
  }).join("");
}

/** True when the answer should be a JSON problem rather than an HTML page. */
export function wantsJson(req: Request): boolean {
  if (req.path.startsWith("/api/") || req.path === "/api" || req.path.endsWith(".json")) return true;
  const accept = req.get("accept") ?? "";
  return accept.includes("json") && !accept.includes("html");
}

function errorHandler(context: AppContext) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const described = describe(error);
    const { status, title } = described;
    const detail = withoutServerPaths(described.detail);
    if (status >= 500) (context.deps.onError ?? console.error)(error);
    if (res.headersSent) {
      res.end();
      return;
    }
    if (status === 401) res.set("WWW-Authenticate", 'Bearer realm="kitelab"');
    if (isAirflow3Path(req.path)) {
      const answer = v2ErrorOf(error, status, detail);
      res.status(answer.status).json(answer.body);
      return;
    }
    if (wantsJson(req)) {
      res
        .status(status)
        .type("application/problem+json")
        .send(JSON.stringify(problemOf(status, detail, title)));
      return;
    }
    try {
      const heading = problemOf(status, detail, title).title;
      const model = {
        ...context.pageModel(res, `${status} ${heading}`, "none"),
        status,
        heading,
        detail,
        loginHref: status === 401 ? context.url(["login"], { next: req.originalUrl }) : undefined,
      };
      res.status(status).type("html").send(context.views.render("error", model));
    } catch {
      res.status(status).type("text/plain").send(`${status} ${detail}`);
    }
  };
}

function describe(error: unknown): { status: number; detail: string; title?: string } {
  if (error instanceof HttpError) return { status: error.status, detail: error.detail, title: error.title };
  // A refusal a lower layer raised (bad input, unknown, conflicting state): the caller's to fix, so its message shows.
  const kindStatus = statusOfError(error);
  if (kindStatus < 500) return { status: kindStatus, detail: (error as Error).message };
  const candidate = error as { type?: unknown; status?: unknown; statusCode?: unknown } | undefined;
  const status =
    typeof candidate?.status === "number"
      ? candidate.status
      : typeof candidate?.statusCode === "number"
        ? candidate.statusCode
        : 500;
  switch (candidate?.type) {
    case "entity.too.large":
      return { status: 413, detail: `The request body is larger than ${BODY_LIMIT_BYTES / 1024} KiB.` };
    case "entity.parse.failed":
      return { status: 400, detail: "The request body is not valid JSON." };
    case "charset.unsupported":
    case "encoding.unsupported":
      return { status: 415, detail: "The request body's encoding is not supported; send UTF-8." };
  }
  if (status >= 400 && status < 500) return { status, detail: "The request could not be read." };
  return { status: 500, detail: "Something went wrong on the Kitelab server; its console has the details." };
}
