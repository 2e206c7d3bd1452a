/** What the machine offers worker processes. */
export interface MachineShape {
  cores: number;
  totalMemoryMb: number;
}

export interface PoolSize {
  /** Most worker processes at once: parallelism, unless the machine cannot hold that many. */
  maxWorkers: number;
  /** Started with the pool and kept when idle, so the first tasks start at once. */
  warmWorkers: number;
}

/** A worker with its DAG modules loaded is about this big; half the memory goes to workers at most. */
const WORKER_MB = 128;

/**
 * How many worker processes the LocalExecutor may run. `parallelism` caps running tasks,
 * as in Airflow, where 32 is the default: on a 2-core laptop that would be 32 processes
 * and gigabytes of memory, so processes are also bounded by cores (two per core: tasks
 * often wait on I/O) and memory. Workers start on demand up to that bound.
 */
export function poolSize(parallelism: number, machine: MachineShape): PoolSize {
  const byCores = Math.max(2, 2 * machine.cores);
  const byMemory = Math.max(1, Math.floor(machine.totalMemoryMb / 2 / WORKER_MB));
  const maxWorkers = Math.max(1, Math.min(parallelism, byCores, byMemory));
  return { maxWorkers, warmWorkers: Math.min(2, maxWorkers) };
}
