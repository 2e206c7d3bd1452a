import express, { type Request, type Router } from "express";
import { MARKABLE_RUN_STATES, type MarkableRunState } from "../../engine/markState.js";
import type { DagRunRecord } from "../../records.js";
import { DAG_RUN_STATES } from "../../states.js";
import type { AppContext } from "../context.js";
import type { DagSummary } from "../ports.js";
import { HttpError } from "../problems.js";
import { checkPathParam } from "../security.js";
import type { ListDialect } from "./dialect.js";
import { allRuns, control, dagOrAll, requireRun } from "./lookups.js";
import { inRange, likeMatch, pageOf, type Range, type SortKeys, sortedBy } from "./request.js";

/** What a DAG run list may be narrowed to (query parameters or a batch form). */
export interface RunFilter {
  dagIds?: readonly string[];
  states: readonly string[];
  logicalDate: Range;
  startDate: Range;
  endDate: Range;
  runAfter?: Range;
  runTypes?: readonly string[];
  runIdPattern?: string;
}

/**
 * `GET /dags/{dag_id}/dagRuns` (`~` for every DAG) and `GET .../dagRuns/{dag_run_id}`,
 * written once; a version's adapter reads its filter and gives its shapes.
 */
export interface DagRunsApi {
  dialect: ListDialect;
  filterOf(req: Request, dagIds: readonly string[] | undefined): RunFilter;
  fallbackOrder: string;
  orders: SortKeys<DagRunRecord>;
  runJson(run: DagRunRecord): unknown;
}

export function dagRunsRouter(context: AppContext, api: DagRunsApi): Router {
  const router = express.Router();

  router.get("/dags/:dagId/dagRuns", (req, res) => {
    const dagId = dagOrAll(context, req.params.dagId);
    const filter = api.filterOf(req, dagId === undefined ? undefined : [dagId]);
    const runs = sortedBy(filteredRuns(context, filter), api.dialect.orderBy(req), api.fallbackOrder, api.orders);
    const { items, total_entries } = pageOf(runs, api.dialect.page(req));
    res.json({ dag_runs: items.map((run) => api.runJson(run)), total_entries });
  });

  router.get("/dags/:dagId/dagRuns/:runId", (req, res) => {
    res.json(api.runJson(requireRun(context, req.params.dagId, req.params.runId)));
  });

  return router;
}

export function checkedStates(states: readonly string[]): string[] {
  for (const state of states) {
    if (!(DAG_RUN_STATES as readonly string[]).includes(state)) {
      throw new HttpError(
        400,
        `Expected \`state\` to be one of ${DAG_RUN_STATES.join(", ")}, got ${JSON.stringify(state)}.`,
      );
    }
  }
  return [...states];
}

export function filteredRuns(context: AppContext, filter: RunFilter): DagRunRecord[] {
  const dagIds = filter.dagIds === undefined ? [undefined] : filter.dagIds;
  const runTypes = filter.runTypes ?? [];
  return dagIds
    .flatMap((dagId) => (dagId === undefined || context.deps.read.dag(dagId) ? allRuns(context, dagId) : []))
    .filter(
      (run) =>
        (filter.states.length === 0 || filter.states.includes(run.state)) &&
        inRange(run.logicalDate, filter.logicalDate) &&
        inRange(run.startDate, filter.startDate) &&
        inRange(run.endDate, filter.endDate) &&
        (filter.runAfter === undefined || inRange(run.runAfter, filter.runAfter)) &&
        (runTypes.length === 0 || runTypes.includes(run.runType)) &&
        (filter.runIdPattern === undefined || likeMatch(run.runId, filter.runIdPattern)),
    );
}

/** A trigger's `conf`: a JSON object, `{}` when the body sends none. */
export function confOf(body: Record<string, unknown>): Record<string, unknown> {
  const conf = body.conf ?? {};
  if (typeof conf !== "object" || conf === null || Array.isArray(conf)) {
    throw new HttpError(400, `Expected \`conf\` to be a JSON object, got ${JSON.stringify(conf)}.`);
  }
  return conf as Record<string, unknown>;
}

/** A trigger's `dag_run_id`, when it sends one; `exists` is the version's 409 for a taken one. */
export function newRunId(
  context: AppContext,
  summary: DagSummary,
  body: Record<string, unknown>,
  exists: (runId: string, dagId: string) => HttpError,
): string | undefined {
  if (body.dag_run_id === undefined || body.dag_run_id === null) return undefined;
  const runId = checkPathParam("dag_run_id", body.dag_run_id);
  if (context.deps.read.run(summary.dag.dagId, runId)) throw exists(runId, summary.dag.dagId);
  return runId;
}

/** Marks a run `state` (Airflow's "mark as success/failed/queued"), checked against the states a user may set. */
export async function markRun(context: AppContext, run: DagRunRecord, state: string): Promise<DagRunRecord> {
  if (!(MARKABLE_RUN_STATES as readonly string[]).includes(state)) {
    throw new HttpError(
      400,
      `Expected \`state\` to be one of ${MARKABLE_RUN_STATES.join(", ")}, got ${JSON.stringify(state)}.`,
    );
  }
  return control(() => context.deps.control.setRunState(run.dagId, run.runId, state as MarkableRunState));
}

/** Leaves `note` on a run; answers the run as it now is. */
export async function noteRun(context: AppContext, run: DagRunRecord, note: string): Promise<DagRunRecord> {
  await control(() => context.deps.control.setNote(run.dagId, run.runId, undefined, note));
  return context.deps.read.run(run.dagId, run.runId) ?? { ...run, note };
}
