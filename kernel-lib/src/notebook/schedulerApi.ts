/**
 * The running scheduler's JSON API as typed calls, for the notebook client: where the
 * scheduler is, with which token, and each endpoint the notebook uses, answered as the
 * records of `apiRecords.ts`. HTTP only: nothing here shows anything (`client.ts` does). A
 * refusal is an ApiError carrying the HTTP status (`client/apiClient.ts`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ClockInfo } from "../clock/clock.js";
import { callApi } from "../client/apiClient.js";
import { loadConfig } from "../config/index.js";
import { ApiError, KitelabError } from "../errors.js";
import type { Explanation } from "../explain/explain.js";
import { endpointPath, runningScheduler, type SchedulerEndpoint } from "../scheduler/endpoint.js";
import {
  dagInfoOf,
  dagRunInfoOf,
  importErrorInfoOf,
  taskInstanceInfoOf,
  type DagInfo,
  type DagRunInfo,
  type ImportErrorInfo,
  type TaskInstanceInfo,
} from "./apiRecords.js";

/** Where the scheduler is and how to authenticate to it. */
export interface SchedulerApiOptions {
  home: string;
  /** The scheduler's URL, when it is not the one `$KITELAB_HOME/scheduler.json` names. */
  url?: string;
  /** The API token. @default [webserver] auth_token, else the content of `$KITELAB_HOME/api_token` */
  token?: string;
}

/** A task as `GET /dags/{id}/tasks` lists it. */
export interface ApiTask {
  task_id: string;
  downstream_task_ids: string[];
  trigger_rule?: string;
  class_ref?: { class_name?: string };
}

export class SchedulerApi {
  constructor(private readonly options: SchedulerApiOptions) {}

  /** The scheduler to talk to, read afresh each time (it may have restarted on another port). */
  endpoint(): SchedulerEndpoint {
    if (this.options.url) return { pid: 0, url: this.options.url, startedAt: "" };
    const running = runningScheduler(this.options.home);
    if (!running) {
      throw new KitelabError(
        `No scheduler is running for KITELAB_HOME=${this.options.home}; start it from the Launcher (Kitelab Scheduler) or run \`kitelab standalone\` in a terminal ` +
          `(or \`await startScheduler()\` in a cell). It announces itself in ${endpointPath(this.options.home)}.`,
      );
    }
    return running;
  }

  /** The scheduler's base URL, without a trailing slash. */
  baseUrl(): string {
    return this.endpoint().url.replace(/\/+$/, "");
  }

  token(): string {
    if (this.options.token !== undefined) return this.options.token;
    const loaded = loadConfig({ home: this.options.home, env: process.env });
    if (loaded.ok && loaded.value.webserver.authToken) return loaded.value.webserver.authToken;
    try {
      return readFileSync(join(this.options.home, "api_token"), "utf8").trim();
    } catch {
      return "";
    }
  }

  /** Calls the JSON API (`/api/v1` + `path`); a refusal is an ApiError with the HTTP status and the scheduler's own message. */
  request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    return callApi<T>(this.endpoint(), this.token(), method, path, body);
  }

  /** A page of the web app (not the JSON API), redirects not followed. */
  async page(path: string, accept = "text/html"): Promise<Response> {
    const url = path.startsWith("http") ? path : `${this.baseUrl()}/${path.replace(/^\/+/, "")}`;
    const token = this.token();
    try {
      return await fetch(url, {
        redirect: "manual",
        headers: { accept, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      });
    } catch (error) {
      throw new KitelabError(`cannot reach the scheduler at ${url}: ${(error as Error).message}`, { cause: error });
    }
  }

  async dags(): Promise<DagInfo[]> {
    const answer = await this.request<{ dags: Record<string, unknown>[] }>("GET", "/dags?limit=100");
    return answer.dags.map(dagInfoOf);
  }

  /** One DAG, or undefined when the scheduler does not list it (a 404). */
  async dag(dagId: string): Promise<DagInfo | undefined> {
    try {
      return dagInfoOf(await this.request("GET", dagPath(dagId)));
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  async tasks(dagId: string): Promise<ApiTask[]> {
    return (await this.request<{ tasks: ApiTask[] }>("GET", `${dagPath(dagId)}/tasks`)).tasks;
  }

  async setPaused(dagId: string, paused: boolean): Promise<DagInfo> {
    return dagInfoOf(await this.request("PATCH", `${dagPath(dagId)}?update_mask=is_paused`, { is_paused: paused }));
  }

  async trigger(dagId: string, body: Record<string, unknown>): Promise<DagRunInfo> {
    return dagRunInfoOf(await this.request("POST", `${dagPath(dagId)}/dagRuns`, body));
  }

  async run(dagId: string, runId: string): Promise<DagRunInfo> {
    return dagRunInfoOf(await this.request("GET", runPath(dagId, runId)));
  }

  /** The DAG's latest runs, newest first, and how many it has in all. */
  async runs(dagId: string, limit: number): Promise<{ runs: DagRunInfo[]; total: number }> {
    const answer = await this.request<{ dag_runs: Record<string, unknown>[]; total_entries: number }>(
      "GET",
      `${dagPath(dagId)}/dagRuns?order_by=-execution_date&limit=${limit}`,
    );
    return { runs: answer.dag_runs.map(dagRunInfoOf), total: answer.total_entries };
  }

  async taskInstances(dagId: string, runId: string): Promise<TaskInstanceInfo[]> {
    const answer = await this.request<{ task_instances: Record<string, unknown>[] }>(
      "GET",
      `${runPath(dagId, runId)}/taskInstances`,
    );
    return answer.task_instances.map(taskInstanceInfoOf);
  }

  async taskInstance(dagId: string, runId: string, taskId: string): Promise<TaskInstanceInfo> {
    return taskInstanceInfoOf(
      await this.request("GET", `${runPath(dagId, runId)}/taskInstances/${encodeURIComponent(taskId)}`),
    );
  }

  /** The full text of one try's log. */
  async log(dagId: string, runId: string, taskId: string, tryNumber: number): Promise<string> {
    const answer = await this.request<{ content: string }>(
      "GET",
      `${runPath(dagId, runId)}/taskInstances/${encodeURIComponent(taskId)}/logs/${tryNumber}?full_content=true`,
    );
    return answer.content;
  }

  async importErrors(): Promise<ImportErrorInfo[]> {
    const answer = await this.request<{ import_errors: Record<string, unknown>[] }>("GET", "/importErrors?limit=100");
    return answer.import_errors.map(importErrorInfoOf);
  }

  async backfill(dagId: string, body: Record<string, unknown>): Promise<DagRunInfo[]> {
    const answer = await this.request<{ dag_runs: Record<string, unknown>[] }>(
      "POST",
      `${dagPath(dagId)}/backfill`,
      body,
    );
    return answer.dag_runs.map(dagRunInfoOf);
  }

  /** `now`: an ISO instant of the scheduler's clock to ask as of. */
  explain(dagId: string, now?: string): Promise<Explanation> {
    const query = now === undefined ? "" : `?now=${encodeURIComponent(now)}`;
    return this.request<Explanation>("GET", `${dagPath(dagId)}/explain${query}`);
  }

  clock(): Promise<ClockInfo> {
    return this.request<ClockInfo>("GET", "/clock");
  }

  advanceClock(duration: string | number): Promise<ClockInfo> {
    return this.request<ClockInfo>("POST", "/clock", { advance: duration });
  }

  async restart(): Promise<{ tookMs: number; configFile: string; startedAt: string }> {
    const answer = await this.request<{ took_ms: number; config_file: string; started_at: string }>(
      "POST",
      "/scheduler/restart",
    );
    return { tookMs: answer.took_ms, configFile: answer.config_file, startedAt: answer.started_at };
  }
}

function dagPath(dagId: string): string {
  return `/dags/${encodeURIComponent(dagId)}`;
}

function runPath(dagId: string, runId: string): string {
  return `${dagPath(dagId)}/dagRuns/${encodeURIComponent(runId)}`;
}
