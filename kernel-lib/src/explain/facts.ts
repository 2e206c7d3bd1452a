import { existsSync, readFileSync } from "node:fs";
import type { SerializedDag } from "../dag/serialize.js";
import type { ImportProblem } from "../dagbag/importFile.js";
import type { DagRunRecord, TaskInstanceRecord } from "../records.js";
import type { SchedulerSettings } from "../scheduler/settings.js";
import type { DagStatus, SchedulerStore } from "../scheduler/schedulerStore.js";

/**
 * Everything `explainDag` looks at, read in one go: the explanation itself is a pure
 * function of these facts, so a test, the CLI, the status page and the API all get the
 * same answer from the same state.
 */
export interface ExplainFacts {
  dagId: string;
  /** Undefined when the scheduler never listed the DAG (an import error, or a wrong id). */
  dag?: SerializedDag;
  status?: DagStatus;
  /** Import errors of the DAG's own file, or of files that mention its id. */
  importErrors: Array<ImportProblem & { file: string }>;
  /** Every run of this DAG. */
  runs: DagRunRecord[];
  /** Task instances of this DAG's runs that are queued or running, plus those of `runs` the explanation looks into. */
  taskInstances: Record<string, TaskInstanceRecord[]>;
  /** Queued or running task instances of every DAG: they hold executor slots, pools and maxActiveTasks. */
  busy: Array<{
    dagId: string;
    runId: string;
    taskId: string;
    state: TaskInstanceRecord["state"];
    pool: string;
    poolSlots: number;
  }>;
  pools: Record<string, number>;
  settings: Pick<
    SchedulerSettings,
    "parallelism" | "maxActiveTasksPerDag" | "maxActiveRunsPerDag" | "catchupByDefault" | "semantics"
  >;
  /** A heartbeat older than this means no scheduler is running (`scheduler_health_check_threshold`). */
  heartbeatThresholdMs: number;
  heartbeat?: { at: string; pid: number; hostname: string };
  /** The scheduler's clock (moved, when a teaching clock is in use): decides what is due. */
  now: Date;
  /** Real time: heartbeats and retry times are real. */
  realNow: Date;
}

/** Reads the facts about one DAG from the scheduler's store (and, for import errors, the DAG files). */
export function gatherExplainFacts(
  store: SchedulerStore,
  options: {
    dagId: string;
    settings: ExplainFacts["settings"];
    heartbeatThresholdMs: number;
    now: Date;
    realNow?: Date;
    /** Also look into this run's task instances, even when it is finished. */
    runId?: string;
  },
): ExplainFacts {
  const { dagId } = options;
  const dag = store.getDag(dagId);
  const status = store.dagStatuses().find((candidate) => candidate.dagId === dagId);
  const runs = store.allRuns(dagId);
  const taskInstances: Record<string, TaskInstanceRecord[]> = {};
  for (const run of runs) {
    if (run.state === "queued" || run.state === "running" || run.runId === options.runId)
      taskInstances[run.runId] = store.taskInstances(dagId, run.runId);
  }
  const busy: ExplainFacts["busy"] = [];
  for (const run of store.activeRuns()) {
    const tasks = new Map((store.getDag(run.dagId)?.tasks ?? []).map((task) => [task.taskId, task]));
    for (const ti of store.taskInstances(run.dagId, run.runId)) {
      if (ti.state !== "queued" && ti.state !== "running") continue;
      const task = tasks.get(ti.taskId);
      busy.push({
        dagId: ti.dagId,
        runId: ti.runId,
        taskId: ti.taskId,
        state: ti.state,
        pool: ti.pool ?? task?.pool ?? "default_pool",
        poolSlots: task?.poolSlots ?? 1,
      });
    }
  }
  const importErrors = store
    .importErrorList()
    .filter((problem) => problem.file === dag?.fileloc || (!dag && fileMentions(problem.file, dagId)))
    .map(({ file, name, message, line }) => ({ file, name, message, ...(line === undefined ? {} : { line }) }));
  return {
    dagId,
    dag,
    status,
    importErrors,
    runs,
    taskInstances,
    busy,
    pools: Object.fromEntries(store.poolSizes()),
    settings: options.settings,
    heartbeatThresholdMs: options.heartbeatThresholdMs,
    heartbeat: store.latestHeartbeat(),
    now: options.now,
    realNow: options.realNow ?? new Date(),
  };
}

/** A file that failed to import may still be where the DAG lives: it names the DAG's id. */
function fileMentions(file: string, dagId: string): boolean {
  try {
    if (!existsSync(file)) return false;
    const text = readFileSync(file, "utf8");
    return text.includes(`"${dagId}"`) || text.includes(`'${dagId}'`) || text.includes(`\`${dagId}\``);
  } catch {
    return false;
  }
}
