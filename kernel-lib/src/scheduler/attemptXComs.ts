import type { EngineDag } from "../engine/runEngine.js";
import type { XComRecord } from "../records.js";

/**
 * How many XComs of tasks that are not directly upstream an attempt is sent. Up to this many,
 * an attempt sees every XCom of its run, as Airflow's `xcom_pull(task_ids=...)` does; past it,
 * only its upstream tasks' XComs. Sending every XCom to every attempt made a wide fan-out's
 * cost grow with the square of its width (each of 1,000 tasks received up to 999 XComs).
 */
export const OTHER_XCOMS_SENT_LIMIT = 100;

/** A run's XComs, indexed once for all the attempts of a turn. */
export interface RunXComs {
  all: readonly XComRecord[];
  byTask: ReadonlyMap<string, readonly XComRecord[]>;
}

export function indexRunXComs(all: readonly XComRecord[]): RunXComs {
  const byTask = new Map<string, XComRecord[]>();
  for (const xcom of all) {
    const list = byTask.get(xcom.taskId);
    if (list) list.push(xcom);
    else byTask.set(xcom.taskId, [xcom]);
  }
  return { all, byTask };
}

/** The XComs one attempt of `taskId` is sent, and how many of the run's XComs were left out. */
export function xcomsForAttempt(
  engine: EngineDag,
  taskId: string,
  run: RunXComs,
): { xcoms: readonly XComRecord[]; omitted: number } {
  const fromUpstream = (engine.tasks.get(taskId)?.upstreamIds ?? []).flatMap((id) => run.byTask.get(id) ?? []);
  const others = run.all.length - fromUpstream.length;
  if (others <= OTHER_XCOMS_SENT_LIMIT) return { xcoms: run.all, omitted: 0 };
  return { xcoms: fromUpstream, omitted: others };
}
