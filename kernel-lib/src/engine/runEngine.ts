import { InternalError, NotFoundError } from "../errors.js";
import type { DagRunState, TaskInstanceState } from "../states.js";
import { isFinished } from "../states.js";
import { hasRetryLeft, retryDelayMs, type RetryPolicy } from "./retry.js";
import { countUpstream, evaluateTriggerRule, type TriggerRule } from "./triggerRules.js";

/**
 * The run engine: pure rules that every shell (dag.test(), the scheduler, the distributed
 * executor) applies to one DAG run. It never performs I/O and never reads the clock:
 * callers pass `now`.
 */

/** What the engine needs to know about a task. Serializable. */
export interface EngineTask extends RetryPolicy {
  taskId: string;
  upstreamIds: readonly string[];
  triggerRule: TriggerRule;
  executionTimeoutMs?: number;
  isSetup?: boolean;
}

/** A DAG prepared for the engine: tasks in topological order, with their downstream ids. */
export interface EngineDag {
  dagId: string;
  tasks: ReadonlyMap<string, EngineTask>;
  order: readonly string[];
  downstream: ReadonlyMap<string, readonly string[]>;
  leaves: readonly string[];
}

/** The part of a task instance the engine reads. */
export interface TaskInstanceSnapshot {
  state: TaskInstanceState;
  tryNumber: number;
  startDate?: string;
  nextRetryAt?: string;
}

export type RunSnapshot = Readonly<Record<string, TaskInstanceSnapshot | undefined>>;

export interface StateChange {
  taskId: string;
  state: TaskInstanceState;
  nextRetryAt?: string;
  endDate?: string;
}

export interface RunDecision {
  /** Tasks that take a final state without running (skipped, upstream_failed). */
  changes: StateChange[];
  /** Tasks whose dependencies are met now, in topological order: queue them. */
  ready: string[];
  /** Running tasks past their execution timeout: stop them and report a failed attempt. */
  timedOut: string[];
  /** `running` while anything is left to do, else the run's final state by the leaf rule. */
  runState: Extract<DagRunState, "running" | "success" | "failed">;
  /** The earliest future instant at which calling decideRun again can change something. */
  nextWakeAt?: string;
}

/** Prepares a DAG's tasks for the engine. Throws if the graph has a cycle (validated earlier). */
export function compileEngineDag(dagId: string, tasks: readonly EngineTask[]): EngineDag {
  const byId = new Map(tasks.map((task) => [task.taskId, task]));
  const downstream = new Map<string, string[]>(tasks.map((task) => [task.taskId, []]));
  for (const task of tasks) {
    for (const upstreamId of task.upstreamIds) downstream.get(upstreamId)?.push(task.taskId);
  }
  const indegree = new Map(tasks.map((task) => [task.taskId, task.upstreamIds.length]));
  const queue = tasks.filter((task) => task.upstreamIds.length === 0).map((task) => task.taskId);
  const order: string[] = [];
  while (queue.length > 0) {
    const taskId = queue.shift()!;
    order.push(taskId);
    for (const child of downstream.get(taskId) ?? []) {
      const remaining = indegree.get(child)! - 1;
      indegree.set(child, remaining);
      if (remaining === 0) queue.push(child);
    }
  }
  if (order.length !== tasks.length) {
    throw new InternalError(`DAG '${dagId}' has a cycle; validate it before compiling`);
  }
  const leaves = order.filter((taskId) => (downstream.get(taskId) ?? []).length === 0);
  return { dagId, tasks: byId, order, downstream, leaves };
}

/**
 * Looks at one run and decides what happens next: which tasks become skipped or
 * upstream_failed under their trigger rule, which are ready to queue, which running tasks
 * timed out, and whether the run is finished.
 */
export function decideRun(dag: EngineDag, snapshot: RunSnapshot, now: Date): RunDecision {
  const states = new Map<string, TaskInstanceState>();
  for (const taskId of dag.order) states.set(taskId, snapshot[taskId]?.state ?? "none");
  const decision = emptyDecision();
  decideInPasses(dag, snapshot, states, now, decision, dag.order);
  const allFinished = dag.order.every((taskId) => isFinished(states.get(taskId)!));
  const runState = allFinished ? leafRunState(dag, states) : "running";
  return { ...finishDecision(decision), runState };
}

/**
 * {@link decideRun} for some tasks only: those in `focus`, and the downstream tasks of any it
 * skips or fails (as decideRun would in the same pass). For a scheduler that knows which
 * tasks changed since it last looked, so a turn costs what changed rather than the run's
 * size. The run's state is the caller's to decide ({@link runStateOf}) once it knows no
 * task is left.
 */
export function decideTasks(
  dag: EngineDag,
  snapshot: RunSnapshot,
  now: Date,
  focus: Iterable<string>,
): Omit<RunDecision, "runState"> {
  const position = positionsOf(dag);
  const decided = new Map<string, TaskInstanceState>();
  const states = {
    get: (taskId: string) => decided.get(taskId) ?? snapshot[taskId]?.state ?? "none",
    set: (taskId: string, state: TaskInstanceState) => decided.set(taskId, state),
  };
  const decision = emptyDecision();
  const wave = [...new Set(focus)].filter((taskId) => position.has(taskId));
  decideInPasses(dag, snapshot, states, now, decision, wave);
  return finishDecision(decision);
}

/** The run's final state once every task is finished: success when every leaf succeeded or was skipped. */
export function runStateOf(dag: EngineDag, snapshot: RunSnapshot): "success" | "failed" {
  return leafRunState(dag, { get: (taskId) => snapshot[taskId]?.state ?? "none" });
}

interface StateLookup {
  get(taskId: string): TaskInstanceState | undefined;
}

interface DecisionDraft {
  changes: StateChange[];
  ready: string[];
  timedOut: string[];
  nextWake: number;
}

function emptyDecision(): DecisionDraft {
  return { changes: [], ready: [], timedOut: [], nextWake: Number.POSITIVE_INFINITY };
}

function finishDecision(draft: DecisionDraft): Omit<RunDecision, "runState"> {
  return {
    changes: draft.changes,
    ready: draft.ready,
    timedOut: draft.timedOut,
    nextWakeAt: Number.isFinite(draft.nextWake) ? new Date(draft.nextWake).toISOString() : undefined,
  };
}

const positionCache = new WeakMap<EngineDag, Map<string, number>>();

function positionsOf(dag: EngineDag): Map<string, number> {
  let position = positionCache.get(dag);
  if (!position) {
    position = new Map(dag.order.map((taskId, index) => [taskId, index]));
    positionCache.set(dag, position);
  }
  return position;
}

/**
 * Decides `first` (and, pass after pass, the downstream tasks of those a pass skips or fails)
 * as Airflow's scheduler does: a pass judges trigger rules on the upstream states it started
 * with (its finished_tis), and what it decides is seen by the next pass. So a task over a
 * skipped upstream and one that becomes upstream_failed in the same decision is skipped under
 * all_success, as in Airflow, not upstream_failed.
 */
function decideInPasses(
  dag: EngineDag,
  snapshot: RunSnapshot,
  states: StateLookup & { set(taskId: string, state: TaskInstanceState): unknown },
  now: Date,
  decision: DecisionDraft,
  first: readonly string[],
): void {
  const position = positionsOf(dag);
  const settled = new Set<string>();
  let pass = [...first];
  let firstPass = true;
  while (pass.length > 0) {
    pass.sort((a, b) => position.get(a)! - position.get(b)!);
    // What this pass changes, with the state each task had when the pass started.
    const before = new Map<string, TaskInstanceState>();
    const passStates = {
      get: (taskId: string) => (before.has(taskId) ? before.get(taskId) : states.get(taskId)),
      set: (taskId: string, state: TaskInstanceState) => {
        if (!before.has(taskId)) before.set(taskId, states.get(taskId) ?? "none");
        states.set(taskId, state);
      },
    };
    const changesBefore = decision.changes.length;
    const readyBefore = decision.ready.length;
    for (const taskId of pass) {
      const state = states.get(taskId) ?? "none";
      // Later passes only judge trigger rules again; retries and timeouts were seen in the first.
      if (settled.has(taskId) || (!firstPass && state !== "none" && state !== "scheduled")) continue;
      decideTask(dag, taskId, snapshot, passStates, now, decision);
    }
    for (const taskId of decision.ready.slice(readyBefore)) settled.add(taskId);
    const next = new Set<string>();
    for (const change of decision.changes.slice(changesBefore)) {
      settled.add(change.taskId);
      for (const downstreamId of dag.downstream.get(change.taskId) ?? [])
        if (!settled.has(downstreamId)) next.add(downstreamId);
    }
    pass = [...next];
    firstPass = false;
  }
}

/** One task's part of a decision; a task that becomes skipped or upstream_failed is set in `states` at once. */
function decideTask(
  dag: EngineDag,
  taskId: string,
  snapshot: RunSnapshot,
  states: StateLookup & { set(taskId: string, state: TaskInstanceState): unknown },
  now: Date,
  decision: DecisionDraft,
): void {
  const task = dag.tasks.get(taskId)!;
  const instance = snapshot[taskId];
  const state = states.get(taskId) ?? "none";
  const nowMs = now.getTime();
  if (state === "none" || state === "scheduled") {
    const upstreamStates = task.upstreamIds.map((id) => states.get(id) ?? "none");
    const setupFlags = task.upstreamIds.map((id) => dag.tasks.get(id)?.isSetup === true);
    const verdict = evaluateTriggerRule(task.triggerRule, countUpstream(upstreamStates, setupFlags));
    if (verdict === "run") decision.ready.push(taskId);
    else if (verdict === "skip" || verdict === "upstream_failed") {
      const finalState = verdict === "skip" ? "skipped" : "upstream_failed";
      states.set(taskId, finalState);
      decision.changes.push({ taskId, state: finalState, endDate: now.toISOString() });
    }
  } else if (state === "up_for_retry") {
    const retryAt = instance?.nextRetryAt ? Date.parse(instance.nextRetryAt) : nowMs;
    if (retryAt <= nowMs) decision.ready.push(taskId);
    else decision.nextWake = Math.min(decision.nextWake, retryAt);
  } else if (state === "running" && task.executionTimeoutMs !== undefined && instance?.startDate) {
    const deadline = Date.parse(instance.startDate) + task.executionTimeoutMs;
    if (deadline <= nowMs) decision.timedOut.push(taskId);
    else decision.nextWake = Math.min(decision.nextWake, deadline);
  }
}

/** A run succeeds only if every leaf task succeeded or was skipped. */
function leafRunState(dag: EngineDag, states: StateLookup): "success" | "failed" {
  const ok = dag.leaves.every((taskId) => {
    const state = states.get(taskId);
    return state === "success" || state === "skipped";
  });
  return ok ? "success" : "failed";
}

/** How one attempt of a task ended, as reported by whatever ran it. */
export type AttemptOutcome =
  | { kind: "success"; skipTaskIds?: readonly string[] }
  | { kind: "skipped" }
  | { kind: "failed"; unrecoverable?: boolean };

/**
 * The state changes that follow a finished attempt: the task's own new state (success,
 * skipped, up_for_retry with its retry time, or failed), and for branching operators the
 * downstream tasks they chose not to follow.
 */
export function applyAttemptOutcome(
  dag: EngineDag,
  snapshot: RunSnapshot,
  taskId: string,
  outcome: AttemptOutcome,
  now: Date,
  logicalDate: string,
): StateChange[] {
  const task = dag.tasks.get(taskId);
  if (!task) throw new NotFoundError(`Task '${taskId}' is not in DAG '${dag.dagId}'`);
  const endDate = now.toISOString();
  if (outcome.kind === "success") {
    const changes: StateChange[] = [{ taskId, state: "success", endDate }];
    for (const skipped of outcome.skipTaskIds ?? []) {
      const current = snapshot[skipped]?.state ?? "none";
      if (dag.tasks.has(skipped) && !isFinished(current) && current !== "running") {
        changes.push({ taskId: skipped, state: "skipped", endDate });
      }
    }
    return changes;
  }
  if (outcome.kind === "skipped") return [{ taskId, state: "skipped", endDate }];
  const tryNumber = snapshot[taskId]?.tryNumber ?? 1;
  if (!outcome.unrecoverable && hasRetryLeft(task, tryNumber)) {
    const delay = retryDelayMs(task, { dagId: dag.dagId, taskId, logicalDate, tryNumber });
    return [{ taskId, state: "up_for_retry", endDate, nextRetryAt: new Date(now.getTime() + delay).toISOString() }];
  }
  return [{ taskId, state: "failed", endDate }];
}

/** Every task downstream of `taskId`, transitively (for ShortCircuit's skip of all descendants). */
export function descendantsOf(dag: EngineDag, taskId: string): string[] {
  const seen = new Set<string>();
  const stack = [...(dag.downstream.get(taskId) ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(dag.downstream.get(next) ?? []));
  }
  return dag.order.filter((id) => seen.has(id));
}
