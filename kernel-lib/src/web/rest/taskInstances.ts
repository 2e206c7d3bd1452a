import express, { type Request, type Router } from "express";
import { MARKABLE_TASK_STATES, type MarkableTaskState } from "../../engine/markState.js";
import type { DagRunRecord, TaskInstanceRecord } from "../../records.js";
import { TASK_INSTANCE_STATES } from "../../states.js";
import type { AppContext } from "../context.js";
import { type LogChunk, readTaskLog } from "../logs.js";
import type { DagSummary } from "../ports.js";
import { HttpError } from "../problems.js";
import { checkPathParam } from "../security.js";
import type { ListDialect } from "./dialect.js";
import { allRuns, control, dagOrAll, operatorsOf, requireRun, requireTaskInstance } from "./lookups.js";
import {
  booleanQuery,
  dateField,
  formPage,
  inRange,
  objectBody,
  optionalBoolean,
  optionalString,
  optionalStringList,
  pageOf,
  type Range,
  type SortKeys,
  sortedBy,
  stringQuery,
} from "./request.js";

export interface Selected {
  ti: TaskInstanceRecord;
  run: DagRunRecord;
}

/** What a task instance list may be narrowed to; a list left undefined does not filter. */
export interface InstanceFilter {
  taskIds?: readonly string[];
  states?: readonly string[];
  pools?: readonly string[];
  logicalDate: Range;
  runAfter?: Range;
  startDate: Range;
  endDate: Range;
}

/** A batch form's selection: the DAGs and runs to look in, and the filter. */
export interface InstanceBatch {
  dagIds?: readonly string[];
  runIds?: readonly string[];
  filter: InstanceFilter;
  orderBy?: string;
}

/**
 * Task instance lists (`.../dagRuns/{dag_run_id}/taskInstances`, `~` for every DAG or run,
 * and the batch form) and one task instance, written once; a version's adapter reads its
 * filters and gives its shapes and its sort (Airflow 2's lists are not sorted).
 */
export interface TaskInstancesApi {
  dialect: ListDialect;
  filterOf(req: Request): InstanceFilter;
  /** The batch form's route; `:dagId` and `:runId` in it name the default DAG and run. */
  batchPath: string;
  batchOf(body: Record<string, unknown>, pathDag: string | undefined, pathRun: string | undefined): InstanceBatch;
  sort?: { fallback: string; orders: SortKeys<Selected> };
  json(selected: Selected): unknown;
}

export function taskInstancesRouter(context: AppContext, api: TaskInstancesApi): Router {
  const router = express.Router();
  // Only a version that sorts reads `order_by`.
  const sorted = (selected: Selected[], orderBy: () => string | undefined) =>
    api.sort ? sortedBy(selected, orderBy(), api.sort.fallback, api.sort.orders) : selected;

  router.get("/dags/:dagId/dagRuns/:runId/taskInstances", (req, res) => {
    const dagId = dagOrAll(context, req.params.dagId);
    const runParam = checkPathParam("DAG run id", req.params.runId);
    const runs = runParam === "~" ? allRuns(context, dagId) : [requireRun(context, dagId ?? "~", runParam)];
    const selected = filteredInstances(context, runs, api.filterOf(req));
    const { items, total_entries } = pageOf(
      sorted(selected, () => api.dialect.orderBy(req)),
      api.dialect.page(req),
    );
    res.json({ task_instances: items.map((item) => api.json(item)), total_entries });
  });

  router.post(api.batchPath, (req, res) => {
    const pathDag = req.params.dagId === undefined ? undefined : dagOrAll(context, req.params.dagId);
    const pathRun = req.params.runId === undefined ? undefined : checkPathParam("DAG run id", req.params.runId);
    const body = objectBody(req);
    const batch = api.batchOf(body, pathDag, pathRun === "~" ? undefined : pathRun);
    const runs = (batch.dagIds ?? [undefined])
      .flatMap((dagId) => (dagId === undefined || context.deps.read.dag(dagId) ? allRuns(context, dagId) : []))
      .filter((run) => batch.runIds === undefined || batch.runIds.includes(run.runId));
    const selected = sorted(filteredInstances(context, runs, batch.filter), () => batch.orderBy);
    const { items, total_entries } = pageOf(selected, formPage(body));
    res.json({ task_instances: items.map((item) => api.json(item)), total_entries });
  });

  router.get("/dags/:dagId/dagRuns/:runId/taskInstances/:taskId", (req, res) => {
    const run = requireRun(context, req.params.dagId, req.params.runId);
    res.json(api.json({ ti: requireTaskInstance(context, run, req.params.taskId), run }));
  });

  return router;
}

/** The answer of a task instance in a version's shape, with its operator. */
export function withOperator<T>(
  context: AppContext,
  shape: (ti: TaskInstanceRecord, run: DagRunRecord, operator: string | undefined) => T,
) {
  return ({ ti, run }: Selected): T => shape(ti, run, operatorsOf(context.deps.read.dag(run.dagId)).get(ti.taskId));
}

export function filteredInstances(
  context: AppContext,
  runs: readonly DagRunRecord[],
  filter: InstanceFilter,
): Selected[] {
  const { taskIds, states, pools } = filter;
  return instancesOf(context, runs).filter(
    ({ ti, run }) =>
      (taskIds === undefined || taskIds.includes(ti.taskId)) &&
      (states === undefined || states.includes(ti.state)) &&
      (pools === undefined || pools.includes(ti.pool ?? "default_pool")) &&
      inRange(run.logicalDate, filter.logicalDate) &&
      (filter.runAfter === undefined || inRange(run.runAfter, filter.runAfter)) &&
      inRange(ti.startDate, filter.startDate) &&
      inRange(ti.endDate, filter.endDate),
  );
}

/** A list query parameter as a filter: none sent filters nothing. */
export function anyOf(values: string[]): string[] | undefined {
  return values.length === 0 ? undefined : values;
}

/**
 * `.../taskInstances/{task_id}/logs/{try_number}`: the part of an attempt's log after the
 * query's continuation token (all of it with `full_content`), and the token to read on.
 * `firstTry` is the lowest try number the version accepts.
 */
export async function taskLogOf(
  context: AppContext,
  req: Request,
  firstTry: 0 | 1,
): Promise<{ chunk: LogChunk; continuationToken: string }> {
  const run = requireRun(context, req.params.dagId, req.params.runId);
  const ti = requireTaskInstance(context, run, req.params.taskId);
  const tryNumber = Number(req.params.tryNumber);
  if (!Number.isInteger(tryNumber) || tryNumber < firstTry || String(tryNumber) !== req.params.tryNumber) {
    throw new HttpError(
      400,
      `Expected the try number to be a ${firstTry === 1 ? "positive" : "non-negative"} integer, got ${JSON.stringify(req.params.tryNumber)}.`,
    );
  }
  const fullContent = booleanQuery(req, "full_content") ?? false;
  const token = stringQuery(req, "token");
  const offset = token === undefined || fullContent ? 0 : offsetOfToken(token);
  const chunk = await readTaskLog(
    context.deps.logFolder,
    { dagId: run.dagId, runId: run.runId, taskId: ti.taskId, tryNumber },
    offset,
  );
  if (!chunk.exists && tryNumber > Math.max(ti.tryNumber, 1)) {
    throw new HttpError(
      404,
      `Task '${ti.taskId}' has had ${ti.tryNumber} attempt(s); there is no log for try ${tryNumber}.`,
    );
  }
  return { chunk, continuationToken: Buffer.from(`o:${chunk.nextOffset}`).toString("base64url") };
}

export function checkTaskState(state: string): void {
  if (!(TASK_INSTANCE_STATES as readonly string[]).includes(state)) {
    throw new HttpError(
      400,
      `Expected \`state\` to be one of ${TASK_INSTANCE_STATES.join(", ")}, got ${JSON.stringify(state)}.`,
    );
  }
}

export function markableState(state: string): MarkableTaskState {
  if (!(MARKABLE_TASK_STATES as readonly string[]).includes(state)) {
    throw new HttpError(
      400,
      `Expected \`new_state\` to be one of ${MARKABLE_TASK_STATES.join(", ")}, got ${JSON.stringify(state)}.`,
    );
  }
  return state as MarkableTaskState;
}

export function instancesOf(context: AppContext, runs: readonly DagRunRecord[]): Selected[] {
  return runs.flatMap((run) => context.deps.read.taskInstances(run.dagId, run.runId).map((ti) => ({ ti, run })));
}

export function byRun(selection: readonly Selected[]): Array<{ run: DagRunRecord; taskIds: string[] }> {
  const groups = new Map<string, { run: DagRunRecord; taskIds: string[] }>();
  for (const { ti, run } of selection) {
    const group = groups.get(run.runId) ?? { run, taskIds: [] };
    group.taskIds.push(ti.taskId);
    groups.set(run.runId, group);
  }
  return [...groups.values()];
}

/** `dag_run_id`, else the runs whose logical date is `execution_date` or lies in [start_date, end_date]. */
export function runsNamed(context: AppContext, summary: DagSummary, body: Record<string, unknown>): DagRunRecord[] {
  const dagId = summary.dag.dagId;
  const runId = optionalString(body, "dag_run_id");
  if (runId !== undefined) return [requireRun(context, dagId, runId)];
  const at = dateField(body, "execution_date");
  const start = at ?? dateField(body, "start_date");
  const end = at ?? dateField(body, "end_date");
  if (start === undefined && end === undefined) {
    throw new HttpError(
      400,
      "Name the runs: give `dag_run_id`, or `execution_date`, or `start_date` and/or `end_date` (logical dates).",
    );
  }
  return allRuns(context, dagId).filter((run) => inRange(run.logicalDate, { gte: start, lte: end }));
}

export function selectForClear(context: AppContext, summary: DagSummary, body: Record<string, unknown>): Selected[] {
  const onlyFailed = optionalBoolean(body, "only_failed") ?? true;
  const onlyRunning = optionalBoolean(body, "only_running") ?? false;
  const requested = optionalStringList(body, "task_ids");
  const taskIds =
    requested === undefined
      ? undefined
      : withRelatives(
          summary,
          new Set(requested),
          optionalBoolean(body, "include_upstream") ?? false,
          optionalBoolean(body, "include_downstream") ?? false,
        );
  return instancesOf(context, runsNamed(context, summary, body))
    .filter(({ ti }) => taskIds === undefined || taskIds.has(ti.taskId))
    .filter(({ ti }) => !onlyFailed || ti.state === "failed" || ti.state === "upstream_failed")
    .filter(({ ti }) => !onlyRunning || ti.state === "running");
}

export function withRelatives(
  summary: DagSummary,
  ids: Set<string>,
  upstream: boolean,
  downstream: boolean,
): Set<string> {
  const result = new Set(ids);
  const tasks = new Map(summary.dag.tasks.map((task) => [task.taskId, task]));
  const walk = (next: (id: string) => readonly string[]) => {
    const queue = [...ids];
    while (queue.length > 0) {
      for (const relative of next(queue.pop()!)) {
        if (!result.has(relative)) {
          result.add(relative);
          queue.push(relative);
        }
      }
    }
  };
  if (upstream) walk((id) => [...(tasks.get(id)?.upstreamIds ?? [])]);
  if (downstream) walk((id) => tasks.get(id)?.downstreamIds ?? []);
  return result;
}

export function offsetOfToken(token: string): number {
  const match = /^o:(\d{1,15})$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  if (!match) throw new HttpError(400, "The continuation token is not one this server gave out.");
  return Number(match[1]);
}

/**
 * `POST /dags/{dag_id}/clearTaskInstances`: the task instances the body selects, cleared
 * run by run unless the version's reading of the body says it is a dry run.
 */
export async function clearSelected(
  context: AppContext,
  summary: DagSummary,
  body: Record<string, unknown>,
  isDryRun: (body: Record<string, unknown>) => boolean,
): Promise<Selected[]> {
  const selection = selectForClear(context, summary, body);
  if (isDryRun(body)) return selection;
  for (const { run, taskIds } of byRun(selection))
    await control(() => context.deps.control.clear(run.dagId, run.runId, taskIds));
  return selection;
}

/** The task instances of `runs` that are `taskId` or, as the body asks, its upstream or downstream relatives. */
export function taskWithRelatives(
  context: AppContext,
  summary: DagSummary,
  runs: readonly DagRunRecord[],
  taskId: string,
  body: Record<string, unknown>,
): Selected[] {
  const ids = withRelatives(
    summary,
    new Set([taskId]),
    optionalBoolean(body, "include_upstream") ?? false,
    optionalBoolean(body, "include_downstream") ?? false,
  );
  return instancesOf(context, runs).filter(({ ti }) => ids.has(ti.taskId));
}

/** Marks `selection` `state`, run by run (stopping what still runs). */
export async function markInstances(
  context: AppContext,
  selection: readonly Selected[],
  state: MarkableTaskState,
): Promise<void> {
  for (const { run, taskIds } of byRun(selection))
    await control(() => context.deps.control.setTaskInstanceState(run.dagId, run.runId, taskIds, state));
}
