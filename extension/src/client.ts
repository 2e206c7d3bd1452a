import {
  type IDag,
  type IDagRun,
  type IHealth,
  type IImportError,
  type ISchedulerProcess,
  KitelabApiError,
  parseDagRun,
  parseDagRuns,
  parseDags,
  parseHealth,
  parseImportErrors,
  parseSchedulerProcess,
} from "./api.js";
import type { IKitelabUrls } from "./urls.js";

/** What the client needs from an HTTP stack: `ServerConnection.makeRequest` in JupyterLab. */
export type ITransport = (
  url: string,
  init: { method: "GET" | "POST" | "PATCH"; body?: string },
) => Promise<{
  status: number;
  text(): Promise<string>;
}>;

/** The scheduler answered with an HTTP error; `status` says which. */
export class KitelabHttpError extends Error {
  override name = "KitelabHttpError";
  constructor(
    readonly status: number,
    readonly url: string,
    detail: string,
  ) {
    super(`${url} answered ${status}${detail ? `: ${detail}` : ""}`);
  }
}

/** How many of each DAG's latest runs the model keeps (the panel shows them as dots). */
export const RUNS_PER_DAG = 5;

/** The scheduler's API through the proxy, plus this package's process endpoint. */
export class KitelabClient {
  constructor(
    readonly urls: IKitelabUrls,
    private readonly transport: ITransport,
  ) {}

  /** Whether jupyter-server-proxy started the scheduler: never starts it. */
  async schedulerProcess(): Promise<ISchedulerProcess> {
    return parseSchedulerProcess(await this.json("GET", this.urls.schedulerProcess));
  }

  /** `/health`: a 503 still carries the body that says what is unhealthy. */
  async health(): Promise<IHealth> {
    return parseHealth(await this.json("GET", this.urls.health, undefined, [503]));
  }

  async dags(): Promise<IDag[]> {
    return parseDags(await this.json("GET", this.urls.api("dags?limit=1000")));
  }

  /** The DAG's latest runs, newest first. */
  async latestRuns(dagId: string, limit = RUNS_PER_DAG): Promise<IDagRun[]> {
    const path = `dags/${encodeURIComponent(dagId)}/dagRuns?order_by=-execution_date&limit=${limit}`;
    return parseDagRuns(await this.json("GET", this.urls.api(path)), dagId);
  }

  async importErrors(): Promise<IImportError[]> {
    return parseImportErrors(await this.json("GET", this.urls.api("importErrors")));
  }

  /** Creates a manual run, as Airflow's "Trigger DAG" does. */
  async triggerDag(dagId: string, conf: Record<string, unknown> = {}): Promise<IDagRun> {
    const url = this.urls.api(`dags/${encodeURIComponent(dagId)}/dagRuns`);
    return parseDagRun(await this.json("POST", url, { conf }), `POST ${url}`);
  }

  async setPaused(dagId: string, isPaused: boolean): Promise<void> {
    await this.json("PATCH", this.urls.api(`dags/${encodeURIComponent(dagId)}`), { is_paused: isPaused });
  }

  /** Restarts the scheduler in place (it reads airflow.cfg again); resolves once the new one runs. */
  async restartScheduler(): Promise<{ tookMs: number; configFile: string }> {
    const url = this.urls.api("scheduler/restart");
    const body = (await this.json("POST", url)) as { took_ms?: unknown; config_file?: unknown };
    if (typeof body.took_ms !== "number" || typeof body.config_file !== "string") {
      throw new KitelabApiError(`Expected {took_ms, config_file} from POST ${url}`);
    }
    return { tookMs: body.took_ms, configFile: body.config_file };
  }

  private async json(
    method: "GET" | "POST" | "PATCH",
    url: string,
    body?: unknown,
    acceptedErrors: readonly number[] = [],
  ): Promise<unknown> {
    const response = await this.transport(url, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const raw = await response.text();
    const ok = (response.status >= 200 && response.status < 300) || acceptedErrors.includes(response.status);
    if (!ok) {
      throw new KitelabHttpError(response.status, url, errorDetail(raw));
    }
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      throw new KitelabApiError(`Expected JSON from ${url}, got ${JSON.stringify(raw.slice(0, 60))}`);
    }
  }
}

/** Airflow's problem+json `detail`, a `message`, or the start of the text. */
function errorDetail(raw: string): string {
  try {
    const body = JSON.parse(raw) as { detail?: unknown; message?: unknown; title?: unknown };
    const detail = body.detail ?? body.message ?? body.title;
    if (typeof detail === "string") {
      return detail;
    }
  } catch {
    // not JSON: fall through to the text itself
  }
  return raw.replace(/\s+/g, " ").trim().slice(0, 120);
}
