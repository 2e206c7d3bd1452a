import type { SerializedDag, SerializedTask } from "../dag/serialize.js";
import { countUpstream, evaluateTriggerRule } from "../engine/triggerRules.js";
import type { DagRunRecord, TaskInstanceRecord } from "../records.js";
import { admitTasks, type AdmissionLimitName, type Candidate } from "../scheduler/admission.js";
import { createTimetable, formatWallTime, type RunInfo, type Timetable } from "../timetable/index.js";
import { isFinished } from "../states.js";
import type { ExplainFacts } from "./facts.js";

/**
 * "Why isn't my DAG running?" answered from the facts, in the order things block: the
 * scheduler, the file, the paused switch, the schedule, the run limits, then each task of
 * each active run. Pure: the same facts always give the same answer.
 */

/** Every reason code, in the order the explanation lists them. */
export const REASON_CODES = [
  "no_scheduler",
  "import_error",
  "paused",
  "start_date_in_future",
  "end_date_passed",
  "manual_only",
  "not_due_yet",
  "catchup_skipped",
  "max_active_runs",
  "parallelism",
  "max_active_tasks",
  "pool_full",
  "upstream_not_done",
  "trigger_rule_not_met",
  "waiting_for_retry",
  "sensor_poking",
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export interface Reason {
  code: ReasonCode;
  /** One or two sentences in plain words, saying what to do when there is something to do. */
  message: string;
  [detail: string]: unknown;
}

/** A run as `kitelab schedule preview --json` prints it. */
export interface RunJson {
  logicalDate: string;
  dataIntervalStart: string;
  dataIntervalEnd: string;
  runAfter: string;
}

export interface Explanation {
  dagId: string;
  /** Nothing of this DAG is queued or running, and at least one reason says why. */
  blocked: boolean;
  reasons: Reason[];
  /** The next scheduled run, or null for a manual-only DAG or one that will never run again. */
  nextRun: RunJson | null;
}

/** Reasons that explain a past choice rather than something holding the DAG now. */
const INFORMATIONAL: ReadonlySet<ReasonCode> = new Set(["catchup_skipped"]);
/** The most skipped intervals listed one by one (the count is always complete). */
const LISTED_SKIPS = 5;

export function explainDag(facts: ExplainFacts): Explanation {
  const reasons: Reason[] = [];
  const { dag } = facts;
  reasons.push(...schedulerReasons(facts));
  for (const problem of facts.importErrors) {
    reasons.push({
      code: "import_error",
      message: `${problem.file}${problem.line ? `:${problem.line}` : ""} does not import: ${problem.name}: ${firstLine(problem.message)}. ${dag ? "The scheduler keeps the last version it could read; fix the file" : "Fix the file"} and the DAG processor reads it again within seconds.`,
      file: problem.file,
      ...(problem.line === undefined ? {} : { line: problem.line }),
      error: `${problem.name}: ${problem.message}`,
    });
  }
  if (!dag) return finish(facts, reasons, null);
  if (facts.status?.isPaused) {
    reasons.push({
      code: "paused",
      message: `The DAG is paused: the scheduler creates no scheduled run of it and starts no run already queued. Unpause it with \`kitelab dags unpause ${dag.dagId}\` or the switch on its page.`,
    });
  }
  const schedule = scheduleReasons(facts, dag);
  reasons.push(...schedule.reasons);
  reasons.push(...maxActiveRunsReasons(facts, dag, schedule.dueNow));
  reasons.push(...taskReasons(facts, dag));
  return finish(facts, reasons, schedule.next);
}

function finish(facts: ExplainFacts, reasons: Reason[], next: RunInfo | null): Explanation {
  const active = facts.busy.some((ti) => ti.dagId === facts.dagId);
  return {
    dagId: facts.dagId,
    blocked: !active && reasons.some((reason) => !INFORMATIONAL.has(reason.code)),
    reasons,
    nextRun: next ? runJson(next) : null,
  };
}

function schedulerReasons(facts: ExplainFacts): Reason[] {
  const beat = facts.heartbeat;
  const ageMs = beat ? facts.realNow.getTime() - Date.parse(beat.at) : undefined;
  if (ageMs !== undefined && ageMs <= facts.heartbeatThresholdMs) return [];
  return [
    {
      code: "no_scheduler",
      message: beat
        ? `No scheduler is running: the last heartbeat (pid ${beat.pid}) was ${spell(ageMs!)} ago. Start one with \`kitelab standalone\` (or the Kitelab card in JupyterLab, or \`await startScheduler()\` in a notebook).`
        : "No scheduler has ever run for this home. Start one with `kitelab standalone` (or the Kitelab card in JupyterLab, or `await startScheduler()` in a notebook).",
      lastHeartbeat: beat?.at ?? null,
      ...(ageMs === undefined ? {} : { secondsSinceHeartbeat: Math.round(ageMs / 1000) }),
    },
  ];
}

function timetableOf(facts: ExplainFacts, dag: SerializedDag, catchup: boolean): Timetable | undefined {
  if (dag.schedule === null || !dag.startDate) return undefined;
  const built = createTimetable({
    schedule: dag.schedule,
    startDate: new Date(dag.startDate),
    endDate: dag.endDate ? new Date(dag.endDate) : undefined,
    catchup,
    timezone: dag.timezone,
    semantics: dag.scheduleSemantics ?? facts.settings.semantics,
  });
  return built.ok ? built.value : undefined;
}

/** The schedule's gates: start date, end date, manual only, not due yet, skipped intervals. */
function scheduleReasons(
  facts: ExplainFacts,
  dag: SerializedDag,
): { reasons: Reason[]; next: RunInfo | null; dueNow: boolean } {
  const reasons: Reason[] = [];
  if (dag.schedule === null) {
    reasons.push({
      code: "manual_only",
      message: `Its schedule is None: it runs only when triggered (\`kitelab dags trigger ${dag.dagId}\`, the Trigger button, or a notebook's \`kitelab.trigger("${dag.dagId}")\`).`,
    });
    return { reasons, next: null, dueNow: false };
  }
  const catchup = dag.catchup ?? facts.settings.catchupByDefault;
  const timetable = timetableOf(facts, dag, catchup);
  if (!timetable) return { reasons, next: null, dueNow: false };
  const last = facts.status?.lastAutomatedInterval;
  const lastInterval = last ? { start: new Date(last.start), end: new Date(last.end) } : null;
  const next = timetable.nextRun(lastInterval, facts.now);
  const zone = dag.timezone;
  const at = (date: Date) =>
    `${formatWallTime(date, "UTC")} UTC${zone !== "UTC" ? ` (${formatWallTime(date, zone, true)} ${zone})` : ""}`;
  const startDate = new Date(dag.startDate!);
  if (startDate > facts.now) {
    reasons.push({
      code: "start_date_in_future",
      message: next
        ? `Its start date ${at(startDate)} is in the future: the first run (logical date ${at(next.logicalDate)}) becomes due at ${at(next.runAfter)}, in ${spell(next.runAfter.getTime() - facts.now.getTime())}.`
        : `Its start date ${at(startDate)} is in the future, and its end date leaves no interval: it will never run on its schedule.`,
      startDate: startDate.toISOString(),
      firstRun: next ? runJson(next) : null,
      ...(next ? { dueAtLocal: `${formatWallTime(next.runAfter, zone, true)} ${zone}` } : {}),
    });
  }
  if (!next && dag.endDate) {
    reasons.push({
      code: "end_date_passed",
      message: `Its end date ${at(new Date(dag.endDate))} has passed: no interval is left to run. Move endDate later (or remove it) to schedule it again.`,
      endDate: dag.endDate,
    });
  }
  const dueNow = next !== null && next.runAfter <= facts.now;
  if (next && !dueNow && startDate <= facts.now) {
    const inMs = next.runAfter.getTime() - facts.now.getTime();
    reasons.push({
      code: "not_due_yet",
      message: `The next run's data interval (${at(next.dataIntervalStart)} → ${at(next.dataIntervalEnd)}) has not ended yet: it runs at ${at(next.runAfter)}, in ${spell(inMs)}. A run processes an interval after the interval is over.`,
      runAfter: next.runAfter.toISOString(),
      inSeconds: Math.round(inMs / 1000),
    });
  }
  if (!catchup) {
    const skipped = skippedIntervals(facts, dag, next);
    if (skipped.count > 0) {
      const listed = skipped.first.map((run) => `${run.logicalDate.toISOString().slice(0, 19)}Z`).join(", ");
      reasons.push({
        code: "catchup_skipped",
        message:
          `Catchup is off, so ${skipped.count} interval${skipped.count === 1 ? "" : "s"} before the latest one ` +
          `${skipped.count === 1 ? "was" : "were"} skipped (logical dates ${listed}${skipped.count > skipped.first.length ? ", …" : ""}). ` +
          `Set catchup: true to run every missed interval, or backfill them: kitelab dags backfill ${dag.dagId} ` +
          `-s ${skipped.first[0]!.logicalDate.toISOString().slice(0, 10)} -e ${skipped.last!.logicalDate.toISOString().slice(0, 10)}.`,
        skippedCount: skipped.count,
        skipped: skipped.first.map(runJson),
        lastSkipped: runJson(skipped.last!),
      });
    }
  }
  return { reasons, next, dueNow };
}

/**
 * With catchup off, the intervals that were due but got no run because a later one ran
 * instead: every interval from the start date that is due now, has no run, and lies before
 * the latest automated run (or the next one).
 */
function skippedIntervals(
  facts: ExplainFacts,
  dag: SerializedDag,
  next: RunInfo | null,
): { count: number; first: RunInfo[]; last?: RunInfo } {
  const full = timetableOf(facts, dag, true);
  if (!full) return { count: 0, first: [] };
  const automated = facts.runs.filter((run) => run.runType !== "manual");
  const taken = new Set(automated.map((run) => Date.parse(run.logicalDate)));
  const latestTaken = Math.max(
    ...taken,
    next && next.runAfter <= facts.now ? next.logicalDate.getTime() : Number.NEGATIVE_INFINITY,
  );
  const first: RunInfo[] = [];
  let last: RunInfo | undefined;
  let count = 0;
  let cursor: { start: Date; end: Date } | null = null;
  for (let guard = 0; guard < 100_000; guard += 1) {
    const run = full.nextRun(cursor, facts.now);
    if (!run || run.runAfter > facts.now || run.logicalDate.getTime() >= latestTaken) break;
    if (!taken.has(run.logicalDate.getTime())) {
      count += 1;
      if (first.length < LISTED_SKIPS) first.push(run);
      last = run;
    }
    cursor = { start: run.dataIntervalStart, end: run.dataIntervalEnd };
  }
  return { count, first, last };
}

function maxActiveRunsReasons(facts: ExplainFacts, dag: SerializedDag, dueNow: boolean): Reason[] {
  const limit = dag.maxActiveRuns ?? facts.settings.maxActiveRunsPerDag;
  const running = facts.runs.filter((run) => run.state === "running");
  const waiting = facts.runs.filter((run) => run.state === "queued");
  if (running.length < limit || (waiting.length === 0 && !dueNow)) return [];
  return [
    {
      code: "max_active_runs",
      message:
        `maxActiveRuns is ${limit} and ${running.length === 1 ? "run" : "runs"} ${running.map((run) => run.runId).join(", ")} ` +
        `${running.length === 1 ? "holds" : "hold"} it: ` +
        `${waiting.length > 0 ? `${waiting.length} queued run${waiting.length === 1 ? " waits" : "s wait"}` : "the next run is not created"} ` +
        "until one finishes. Raise maxActiveRuns on the DAG to run more at once.",
      maxActiveRuns: limit,
      holding: running.map((run) => run.runId),
      waiting: waiting.map((run) => run.runId),
    },
  ];
}

/** For each active run (and a run asked about): each task not yet running, and why. */
function taskReasons(facts: ExplainFacts, dag: SerializedDag): Reason[] {
  const reasons: Reason[] = [];
  const tasks = new Map(dag.tasks.map((task) => [task.taskId, task]));
  const runs = facts.runs
    .filter((run) => facts.taskInstances[run.runId] !== undefined)
    .sort((a, b) => a.logicalDate.localeCompare(b.logicalDate));
  const candidates: Array<Candidate & { ti: TaskInstanceRecord }> = [];
  for (const run of runs) {
    if (run.state === "queued") continue;
    const instances = new Map(facts.taskInstances[run.runId]!.map((ti) => [ti.taskId, ti]));
    for (const task of dag.tasks) {
      const ti = instances.get(task.taskId);
      if (!ti) continue;
      const where = { runId: run.runId, taskId: task.taskId };
      if (ti.state === "none" || ti.state === "scheduled") {
        const decision = ruleDecision(task, instances, tasks);
        if (decision.verdict === "wait") {
          const pending = decision.upstream.filter((up) => !isFinished(up.state));
          reasons.push({
            code: "upstream_not_done",
            message: `${task.taskId} (run ${run.runId}) waits for upstream ${pending.map((up) => `${up.taskId} (${up.state})`).join(", ")}: its trigger rule ${task.triggerRule} needs ${ruleNeeds(task.triggerRule)}.`,
            ...where,
            triggerRule: task.triggerRule,
            upstream: decision.upstream,
          });
        } else if (decision.verdict === "run") {
          candidates.push({
            dagId: dag.dagId,
            runId: run.runId,
            taskId: task.taskId,
            pool: task.pool,
            poolSlots: task.poolSlots,
            priority: candidates.length,
            ti,
          });
        } else {
          reasons.push(ruleNotMet(task, run, decision.upstream, decision.verdict));
        }
      } else if (ti.state === "upstream_failed" || ti.state === "skipped") {
        // A branch's skip is the branch's choice; only a skip the trigger rule made is explained here.
        const decision = ruleDecision(task, instances, tasks);
        if (decision.verdict === "skip" || decision.verdict === "upstream_failed")
          reasons.push(ruleNotMet(task, run, decision.upstream, decision.verdict));
      } else if (ti.state === "up_for_retry") {
        const retryAt = ti.nextRetryAt ? new Date(ti.nextRetryAt) : facts.realNow;
        const inMs = Math.max(0, retryAt.getTime() - facts.realNow.getTime());
        reasons.push({
          code: "waiting_for_retry",
          message: `${task.taskId} (run ${run.runId}) failed attempt ${ti.tryNumber} of ${ti.maxTries} and waits for its retry at ${retryAt.toISOString()}, in ${spell(inMs)}${ti.error ? ` (it failed with ${ti.error.name}: ${firstLine(ti.error.message)})` : ""}.`,
          ...where,
          tryNumber: ti.tryNumber,
          maxTries: ti.maxTries,
          nextRetryAt: retryAt.toISOString(),
          inSeconds: Math.round(inMs / 1000),
        });
      } else if (ti.state === "running" && /Sensor$/.test(task.operator)) {
        reasons.push({
          code: "sensor_poking",
          message: `${task.taskId} (run ${run.runId}) is a ${task.operator}: it is running and pokes until its condition holds${ti.startDate ? ` (since ${ti.startDate})` : ""}; its downstream tasks wait for it. Its log shows each poke.`,
          ...where,
          operator: task.operator,
          since: ti.startDate ?? null,
        });
      }
    }
  }
  reasons.push(...admissionReasons(facts, dag, candidates));
  return reasons;
}

function ruleDecision(
  task: SerializedTask,
  instances: ReadonlyMap<string, TaskInstanceRecord>,
  tasks: ReadonlyMap<string, SerializedTask>,
) {
  const upstream = task.upstreamIds.map((id) => ({ taskId: id, state: instances.get(id)?.state ?? "none" }));
  const counts = countUpstream(
    upstream.map((up) => up.state),
    task.upstreamIds.map((id) => tasks.get(id)?.isSetup === true),
  );
  return { verdict: evaluateTriggerRule(task.triggerRule, counts), upstream };
}

function ruleNotMet(
  task: SerializedTask,
  run: DagRunRecord,
  upstream: Array<{ taskId: string; state: string }>,
  verdict: "skip" | "upstream_failed",
): Reason {
  return {
    code: "trigger_rule_not_met",
    message:
      `${task.taskId} (run ${run.runId}) will not run: its trigger rule ${task.triggerRule} needs ${ruleNeeds(task.triggerRule)}, ` +
      `and upstream ${upstream.map((up) => `${up.taskId} is ${up.state}`).join(", ")}, ` +
      `so it is ${verdict === "skip" ? "skipped" : "upstream_failed"}. Clear the upstream tasks to run them again, or choose another trigger rule.`,
    runId: run.runId,
    taskId: task.taskId,
    triggerRule: task.triggerRule,
    upstream,
    outcome: verdict === "skip" ? "skipped" : "upstream_failed",
  };
}

/** Ready tasks the limits hold back: the same admission the scheduler applies, over the busy slots. */
function admissionReasons(
  facts: ExplainFacts,
  dag: SerializedDag,
  candidates: Array<Candidate & { ti: TaskInstanceRecord }>,
): Reason[] {
  if (candidates.length === 0) return [];
  const runningPerDag = new Map<string, number>();
  const poolUsed = new Map<string, number>();
  for (const ti of facts.busy) {
    runningPerDag.set(ti.dagId, (runningPerDag.get(ti.dagId) ?? 0) + 1);
    poolUsed.set(ti.pool, (poolUsed.get(ti.pool) ?? 0) + ti.poolSlots);
  }
  const maxActiveTasks = dag.maxActiveTasks ?? facts.settings.maxActiveTasksPerDag;
  const { waiting } = admitTasks(candidates, {
    freeSlots: facts.settings.parallelism - facts.busy.length,
    maxActiveTasks: () => maxActiveTasks,
    runningPerDag,
    poolSize: (pool) => facts.pools[pool],
    poolUsed,
  });
  return waiting.map(({ candidate, limit }) => admissionReason(facts, dag, candidate, limit, maxActiveTasks));
}

function admissionReason(
  facts: ExplainFacts,
  dag: SerializedDag,
  candidate: Candidate,
  limit: AdmissionLimitName,
  maxActiveTasks: number,
): Reason {
  const where = { runId: candidate.runId, taskId: candidate.taskId };
  const who = (list: ExplainFacts["busy"]) =>
    list.map((ti) => ({ dagId: ti.dagId, runId: ti.runId, taskId: ti.taskId, state: ti.state }));
  const names = (list: ExplainFacts["busy"]) => list.map((ti) => `${ti.dagId}.${ti.taskId}`).join(", ");
  const task = `${candidate.taskId} (run ${candidate.runId})`;
  if (limit === "parallelism") {
    return {
      code: "parallelism",
      message: `${task} is ready, but all ${facts.settings.parallelism} executor slots are busy ([core] parallelism) with ${names(facts.busy)}. It starts when one finishes; raise [core] parallelism to run more at once.`,
      ...where,
      parallelism: facts.settings.parallelism,
      holders: who(facts.busy),
    };
  }
  if (limit === "max_active_tasks") {
    const mine = facts.busy.filter((ti) => ti.dagId === dag.dagId);
    return {
      code: "max_active_tasks",
      message: `${task} is ready, but the DAG already runs ${mine.length} task${mine.length === 1 ? "" : "s"} (${names(mine)}) and its maxActiveTasks is ${maxActiveTasks}. It starts when one finishes.`,
      ...where,
      maxActiveTasks,
      holders: who(mine),
    };
  }
  const holders = facts.busy.filter((ti) => ti.pool === candidate.pool);
  const size = facts.pools[candidate.pool];
  if (limit === "pool_missing" || size === undefined) {
    return {
      code: "pool_full",
      message: `${task} is ready, but its pool '${candidate.pool}' does not exist, so it has no slot at all. Create it: kitelab pools set ${candidate.pool} 1 "description".`,
      ...where,
      pool: candidate.pool,
      slots: 0,
      exists: false,
      holders: [],
    };
  }
  const used = holders.reduce((sum, ti) => sum + ti.poolSlots, 0);
  return {
    code: "pool_full",
    message: `${task} is ready, but pool '${candidate.pool}' is full: ${used} of its ${size} slot${size === 1 ? "" : "s"} are taken by ${names(holders)}, and it needs ${candidate.poolSlots}. It starts when a slot frees up; kitelab pools set ${candidate.pool} N raises the size.`,
    ...where,
    pool: candidate.pool,
    slots: size,
    used,
    needs: candidate.poolSlots,
    holders: who(holders),
  };
}

/** What a trigger rule asks of the upstream tasks, in words. */
export function ruleNeeds(rule: SerializedTask["triggerRule"]): string {
  switch (rule) {
    case "all_success":
      return "every upstream task to succeed";
    case "all_failed":
      return "every upstream task to fail";
    case "all_done":
      return "every upstream task to finish, whatever its state";
    case "all_done_min_one_success":
      return "every upstream task to finish, at least one with success";
    case "all_done_setup_success":
      return "every upstream task to finish and its setup tasks to succeed";
    case "all_skipped":
      return "every upstream task to be skipped";
    case "one_success":
      return "at least one upstream task to succeed";
    case "one_failed":
      return "at least one upstream task to fail";
    case "one_done":
      return "at least one upstream task to succeed or fail";
    case "none_failed":
      return "no upstream task to fail (success or skipped, once all are done)";
    case "none_failed_min_one_success":
      return "no upstream task to fail and at least one to succeed";
    case "none_skipped":
      return "no upstream task to be skipped, once all are done";
    case "always":
      return "nothing";
  }
}

export function runJson(run: RunInfo): RunJson {
  return {
    logicalDate: run.logicalDate.toISOString(),
    dataIntervalStart: run.dataIntervalStart.toISOString(),
    dataIntervalEnd: run.dataIntervalEnd.toISOString(),
    runAfter: run.runAfter.toISOString(),
  };
}

/** 90_000 → "1 minute 30 seconds"; 3 days 4 hours → "3 days 4 hours": the two largest units. */
export function spell(ms: number): string {
  if (ms < 1000) return "less than a second";
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [size, unit] of [
    [86_400, "day"],
    [3600, "hour"],
    [60, "minute"],
    [1, "second"],
  ] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count} ${unit}${count === 1 ? "" : "s"}`);
    rest -= count * size;
  }
  return parts.slice(0, 2).join(" ");
}

function firstLine(text: string): string {
  return text.split("\n")[0]!.replace(/\.$/, "");
}
