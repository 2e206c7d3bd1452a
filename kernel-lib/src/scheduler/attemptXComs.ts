import type { EngineDag } from "../engine/runEngine.js";
import type { XComRecord } from "../records.js";

/**
 * How many XComs of tasks that are not upstream (directly or further up) an attempt is sent.
 * Up to this many, an attempt sees every XCom of its run, as Airflow's `xcom_pull(task_ids=...)`
 * does; past it, only its ancestors' XComs, which are the ones certain to exist when it runs.
 * Sending every XCom to every attempt made a wide fan-out's cost grow with the square of its
 * width (each of 1,000 tasks received up to 999 XComs).
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

const ancestorsByDag = new WeakMap<EngineDag, Map<string, readonly string[]>>();

/** Every task upstream of `taskId`, directly or further up; computed once per DAG and task. */
export function ancestorsOf(engine: EngineDag, taskId: string): readonly string[] {
  let known = ancestorsByDag.get(engine);
  if (!known) ancestorsByDag.set(engine, (known = new Map()));
  const cached = known.get(taskId);
  if (cached) return cached;
  const seen = new Set<string>();
  const pending = [...(engine.tasks.get(taskId)?.upstreamIds ?? [])];
  for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
    if (seen.has(id)) continue;
    seen.add(id);
    pending.push(...(engine.tasks.get(id)?.upstreamIds ?? []));
  }
  const ancestors = [...seen];
  known.set(taskId, ancestors);
  return ancestors;
}

/** The XComs one attempt of `taskId` is sent, and how many of the run's XComs were left out. */
export function xcomsForAttempt(
  engine: EngineDag,
  taskId: string,
  run: RunXComs,
): { xcoms: readonly XComRecord[]; omitted: number } {
  const ancestors = ancestorsOf(engine, taskId);
  let fromAncestors = 0;
  for (const id of ancestors) fromAncestors += run.byTask.get(id)?.length ?? 0;
  const others = run.all.length - fromAncestors;
  if (others <= OTHER_XCOMS_SENT_LIMIT) return { xcoms: run.all, omitted: 0 };
  const wanted = new Set(ancestors);
  return { xcoms: run.all.filter((xcom) => wanted.has(xcom.taskId)), omitted: others };
}
