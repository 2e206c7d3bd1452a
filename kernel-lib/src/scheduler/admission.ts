/**
 * Which ready task instances may start now, given the limits: free executor slots
 * (`parallelism`), each DAG's `maxActiveTasks`, and pool slots. Pure: the scheduler passes
 * the counts it keeps.
 */
export interface Candidate {
  dagId: string;
  runId: string;
  taskId: string;
  pool: string;
  poolSlots: number;
  /** Older runs first, then topological order within a run. */
  priority: number;
}

export interface AdmissionLimits {
  freeSlots: number;
  maxActiveTasks: (dagId: string) => number;
  runningPerDag: ReadonlyMap<string, number>;
  poolSize: (pool: string) => number | undefined;
  poolUsed: ReadonlyMap<string, number>;
}

export interface Admission {
  admitted: Candidate[];
  /** Why the others wait (for the status page, `tasks state` and `dags explain`). */
  waiting: Array<{ candidate: Candidate; reason: string; limit: AdmissionLimitName }>;
}

/** Which limit holds a ready task back. */
export type AdmissionLimitName = "parallelism" | "max_active_tasks" | "pool_missing" | "pool_full";

export function admitTasks(candidates: readonly Candidate[], limits: AdmissionLimits): Admission {
  const admitted: Candidate[] = [];
  const waiting: Admission["waiting"] = [];
  const perDag = new Map(limits.runningPerDag);
  const poolUsed = new Map(limits.poolUsed);
  let free = limits.freeSlots;
  for (const candidate of [...candidates].sort((a, b) => a.priority - b.priority)) {
    if (free <= 0) {
      waiting.push({ candidate, reason: "all executor slots are busy ([core] parallelism)", limit: "parallelism" });
      continue;
    }
    const running = perDag.get(candidate.dagId) ?? 0;
    if (running >= limits.maxActiveTasks(candidate.dagId)) {
      waiting.push({
        candidate,
        reason: `DAG '${candidate.dagId}' already runs ${running} tasks (maxActiveTasks)`,
        limit: "max_active_tasks",
      });
      continue;
    }
    const size = limits.poolSize(candidate.pool);
    if (size === undefined) {
      waiting.push({
        candidate,
        reason: `pool '${candidate.pool}' does not exist; create it with kitelab pools set`,
        limit: "pool_missing",
      });
      continue;
    }
    const used = poolUsed.get(candidate.pool) ?? 0;
    if (used + candidate.poolSlots > size) {
      waiting.push({
        candidate,
        reason: `pool '${candidate.pool}' has ${size - used} of ${size} slots free; this task needs ${candidate.poolSlots}`,
        limit: "pool_full",
      });
      continue;
    }
    admitted.push(candidate);
    free -= 1;
    perDag.set(candidate.dagId, running + 1);
    poolUsed.set(candidate.pool, used + candidate.poolSlots);
  }
  return { admitted, waiting };
}
