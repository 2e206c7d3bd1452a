import type { TaskInstanceState } from "../states.js";

/** Airflow's thirteen trigger rules. */
export const TRIGGER_RULES = [
  "all_success",
  "all_failed",
  "all_done",
  "all_done_min_one_success",
  "all_done_setup_success",
  "all_skipped",
  "one_success",
  "one_failed",
  "one_done",
  "none_failed",
  "none_failed_min_one_success",
  "none_skipped",
  "always",
] as const;
export type TriggerRule = (typeof TRIGGER_RULES)[number];

export function isTriggerRule(value: unknown): value is TriggerRule {
  return typeof value === "string" && (TRIGGER_RULES as readonly string[]).includes(value);
}

/** How many direct upstream task instances are in each finished state. */
export interface UpstreamCounts {
  total: number;
  success: number;
  failed: number;
  upstreamFailed: number;
  skipped: number;
  removed: number;
  /** Upstream tasks marked as setup tasks, and how many of them succeeded or were skipped. */
  setupTotal: number;
  setupSuccess: number;
  setupSkipped: number;
}

export function countUpstream(
  upstreamStates: readonly TaskInstanceState[],
  setupFlags: readonly boolean[] = [],
): UpstreamCounts {
  const counts: UpstreamCounts = {
    total: upstreamStates.length,
    success: 0,
    failed: 0,
    upstreamFailed: 0,
    skipped: 0,
    removed: 0,
    setupTotal: 0,
    setupSuccess: 0,
    setupSkipped: 0,
  };
  upstreamStates.forEach((state, index) => {
    if (state === "success") counts.success += 1;
    else if (state === "failed") counts.failed += 1;
    else if (state === "upstream_failed") counts.upstreamFailed += 1;
    else if (state === "skipped") counts.skipped += 1;
    else if (state === "removed") counts.removed += 1;
    if (setupFlags[index]) {
      counts.setupTotal += 1;
      if (state === "success") counts.setupSuccess += 1;
      if (state === "skipped") counts.setupSkipped += 1;
    }
  });
  return counts;
}

/**
 * What a trigger rule says about a task, given its upstream tasks:
 * - `run`: its dependencies are met, it may be queued;
 * - `wait`: not yet decidable;
 * - `skip` / `upstream_failed`: it will never run in this run and takes that state.
 */
export type TriggerDecision = "run" | "wait" | "skip" | "upstream_failed";

/**
 * Decides a task's fate under its trigger rule, following Airflow 2's trigger rule
 * dependency: "one_*" rules fire as soon as they can, "all_*" and "none_*" rules wait for
 * every upstream task to finish. A task without upstream tasks always runs.
 */
export function evaluateTriggerRule(rule: TriggerRule, c: UpstreamCounts): TriggerDecision {
  if (c.total === 0 || rule === "always") return "run";
  const failures = c.failed + c.upstreamFailed;
  const done = c.success + failures + c.skipped + c.removed;
  const allDone = done === c.total;
  switch (rule) {
    case "all_success":
      if (failures > 0) return "upstream_failed";
      if (c.skipped > 0) return "skip";
      return c.success + c.removed === c.total ? "run" : "wait";
    case "all_failed":
      if (c.success > 0 || c.skipped > 0) return "skip";
      return allDone ? "run" : "wait";
    case "all_done":
      return allDone ? "run" : "wait";
    case "all_done_min_one_success":
      // Airflow 3: a skipped upstream is never "done" for this rule, so it skips at once.
      if (c.skipped > 0) return "skip";
      if (!allDone) return "wait";
      return c.success > 0 ? "run" : "upstream_failed";
    case "all_done_setup_success":
      if (!allDone) return "wait";
      if (c.setupTotal > 0 && c.setupSkipped >= c.setupTotal) return "skip";
      if (c.setupTotal > 0 && c.setupSuccess === 0) return "upstream_failed";
      return "run";
    case "all_skipped":
      if (c.success > 0 || failures > 0) return "skip";
      return allDone ? "run" : "wait";
    case "one_success":
      if (c.success > 0) return "run";
      if (!allDone) return "wait";
      return c.skipped + c.removed === c.total ? "skip" : "upstream_failed";
    case "one_failed":
      if (failures > 0) return "run";
      return allDone ? "skip" : "wait";
    case "one_done":
      // Airflow counts only success and failed: upstream_failed and skipped alone never run it.
      if (c.success + c.failed > 0) return "run";
      return allDone ? "skip" : "wait";
    case "none_failed":
      if (failures > 0) return "upstream_failed";
      return allDone ? "run" : "wait";
    case "none_failed_min_one_success":
      if (failures > 0) return "upstream_failed";
      if (!allDone) return "wait";
      return c.success > 0 ? "run" : "skip";
    case "none_skipped":
      if (c.skipped > 0) return "skip";
      return allDone ? "run" : "wait";
  }
}
