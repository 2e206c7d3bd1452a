import type { Response } from "express";
import type { Result } from "../errors.js";
import type { ClockControl, Explainer, ReadModel, SchedulerControl, SharedSettings, WorkersView } from "./ports.js";
import type { createGuard } from "./security.js";
import type { PageModel, Views } from "./views.js";

/** One message in the mail outbox, as the Outbox page lists it. */
export interface OutboxEntry {
  id: string;
  subject: string;
  to: string | string[];
  date: string;
  status: string;
}

/** The mail outbox (mail that was written to disk instead of sent), when there is one. */
export interface OutboxView {
  list(): OutboxEntry[] | Promise<OutboxEntry[]>;
  /** The raw message, or undefined when there is no such id. */
  read(id: string): string | undefined | Promise<string | undefined>;
}

/** Everything the web app needs; it never touches the store or the scheduler otherwise. */
/** What `POST /api/v1/scheduler/restart` answers once the new scheduler runs. */
export interface RestartReport {
  /** How long the restart took, in milliseconds. */
  took_ms: number;
  /** The airflow.cfg read again (it may not exist: defaults and the environment then apply). */
  config_file: string;
  /** When the new scheduler started (ISO 8601). */
  started_at: string;
}

export interface WebDeps {
  read: ReadModel;
  control: SchedulerControl;
  /** Variables, Connections and pools (`/api/v1/variables`, `/connections`, `/pools`). */
  shared: SharedSettings;
  /**
   * The path the app is reached under, such as `/` or `/user/alice/kitelab/` (a full URL is
   * reduced to its path). Every link, redirect, form action and asset URL starts with it.
   * The app answers both prefixed paths (it strips the prefix itself) and unprefixed ones
   * (jupyter-server-proxy strips the prefix before forwarding), so the caller needs no mount.
   * @default "/"
   */
  baseUrl: string;
  /** The API token; empty turns authentication off (the caller must then warn loudly). */
  token: string;
  /** GET routes (pages and API) need no token. */
  exposeReads: boolean;
  /** Host names besides the loopback ones the app answers to (`[webserver] allowed_hosts`). @default [] */
  allowedHosts?: readonly string[];
  /** Seconds after which a silent scheduler is unhealthy (`scheduler_health_check_threshold`). */
  healthThresholdSeconds: number;
  /** `base_log_folder`: task logs are read below it and nowhere else. */
  logFolder: string;
  /** The DAG whose last run `/` reports (`[webserver] status_dag_id`); empty or absent for all DAGs. */
  statusDagId?: string;
  outbox?: OutboxView;
  /** "Why isn't it running?" on the DAG and task pages and at `/api/v1/dags/{id}/explain`. */
  explainer?: Explainer;
  /** The scheduler's clock, shown on every page; absent means real time. */
  clock?: ClockControl;
  /** The `kitelab worker`s and their queues, with the BullMQ executor: adds `/workers` and `/api/v1/workers`. */
  workers?: WorkersView;
  /**
   * Restarts the scheduler in place so it reads airflow.cfg again (`POST /api/v1/scheduler/restart`);
   * absent where the server cannot restart what serves it.
   */
  restart?: () => Promise<Result<RestartReport, string>>;
  /** @default () => new Date() */
  now?: () => Date;
  /** Told about unexpected errors (the response shows no detail of them). @default console.error */
  onError?: (error: unknown) => void;
}

/** The helpers routers share. */
export interface AppContext {
  deps: WebDeps;
  base: string;
  now: () => Date;
  guard: ReturnType<typeof createGuard>;
  views: Views;
  /** The layout fields of a page for this response. */
  pageModel(res: Response, title: string, nav: PageModel["nav"]): PageModel;
  /** `base` + the segments, each URL-encoded, + an optional query. */
  url(segments: readonly string[], query?: Record<string, string | number | undefined>): string;
}
