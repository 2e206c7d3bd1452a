import type { DAG } from "./dag.js";

/**
 * Every DAG constructed in this process, in order, so a loader can find the DAGs a file
 * defined even when it does not export them (as Airflow collects DAGs from a module).
 * Kept on globalThis so two copies of the library (say, source and build) share it.
 */
const REGISTRY_KEY = Symbol.for("kitelab.dagRegistry");

interface Registry {
  dags: DAG[];
}

function registry(): Registry {
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
  holder[REGISTRY_KEY] ??= { dags: [] };
  return holder[REGISTRY_KEY]!;
}

export function registerDag(dag: DAG): void {
  registry().dags.push(dag);
}

/** DAGs constructed since `mark` (a value returned by `registryMark`). */
export function dagsSince(mark: number): DAG[] {
  return registry().dags.slice(mark);
}

export function registryMark(): number {
  return registry().dags.length;
}

/** The most recently defined DAG with this id, for TriggerDagRunOperator in dag.test(). */
export function findDefinedDag(dagId: string): DAG | undefined {
  const all = registry().dags;
  for (let index = all.length - 1; index >= 0; index -= 1) {
    if (all[index]!.dagId === dagId) return all[index];
  }
  return undefined;
}
