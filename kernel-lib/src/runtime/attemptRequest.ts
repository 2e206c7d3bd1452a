import type { ConnectionRecord, DagRunRecord, XComRecord } from "../records.js";
import type { AttemptRequest } from "./attempt.js";

/** The facts of a run an attempt sees: a stored run record has them, and so does `dag.test()`'s run. */
export type AttemptRunFacts = Pick<
  DagRunRecord,
  "dagId" | "runId" | "runType" | "logicalDate" | "dataIntervalStart" | "dataIntervalEnd" | "conf"
>;

/** What the attempt may read besides its run: the DAG's params, the run's XComs (or some), Variables, Connections. */
export interface AttemptEnvironment {
  dagParams: Record<string, unknown>;
  xcoms: readonly XComRecord[];
  variables: Record<string, string>;
  connections: Record<string, ConnectionRecord>;
  xcomMaxBytes: number;
  /** How many of the run's XComs were left out of `xcoms` (those of tasks not directly upstream, in a run with many). */
  omittedXComs?: number;
}

/**
 * The one way an attempt request is built, by the scheduler and by `dag.test()` alike: the
 * run's conf overrides the DAG's params, as Airflow's `dag_run.conf` does.
 */
export function attemptRequestFor(
  run: AttemptRunFacts,
  attempt: { taskId: string; tryNumber: number; maxTries: number },
  environment: AttemptEnvironment,
): AttemptRequest {
  return {
    dagId: run.dagId,
    taskId: attempt.taskId,
    runId: run.runId,
    runType: run.runType,
    logicalDate: run.logicalDate,
    dataIntervalStart: run.dataIntervalStart,
    dataIntervalEnd: run.dataIntervalEnd,
    tryNumber: attempt.tryNumber,
    maxTries: attempt.maxTries,
    conf: run.conf,
    params: { ...environment.dagParams, ...run.conf },
    xcoms: [...environment.xcoms],
    variables: environment.variables,
    connections: environment.connections,
    xcomMaxBytes: environment.xcomMaxBytes,
    ...(environment.omittedXComs ? { omittedXComs: environment.omittedXComs } : {}),
  };
}
