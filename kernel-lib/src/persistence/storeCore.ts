import { EventEmitter } from "node:events";
import { ConflictError, NotFoundError } from "../errors.js";
import type { SerializedDag } from "../dag/serialize.js";
import type { ImportProblem } from "../dagbag/importFile.js";
import type { ConnectionRecord, DagRunRecord, SchedulerHeartbeat, TaskInstanceRecord, XComRecord } from "../records.js";
import type { DagStatus, SchedulerStore, StoreChange, TaskInstanceView } from "../scheduler/schedulerStore.js";
import { applyMetaChange, applyRunChange, splitPatch, type MetaChange, type RunChange } from "./changes.js";
import { SCHEMA_VERSION, type MetaFile, type RunFile } from "./schema.js";
import type { StorePersistence } from "./storePersistence.js";

export type { StoreChange } from "../scheduler/schedulerStore.js";

/**
 * The store's one implementation of the scheduler's state: DAGs and their statuses, runs,
 * task instances and XComs, in memory, each change handed to a persistence (a journal on
 * disk, or nothing in memory). A change is visible to reads at once; its promise resolves
 * once it is durable.
 */
export abstract class StoreCore implements SchedulerStore {
  readonly events = new EventEmitter<{ change: [StoreChange] }>();
  protected meta: MetaFile = emptyMeta();
  protected readonly runFiles = new Map<string, RunFile>();

  protected constructor(protected readonly persistence: StorePersistence) {}

  abstract variables(): Record<string, string>;
  abstract connections(): Record<string, ConnectionRecord>;
  abstract poolSizes(): Map<string, number>;

  /** Replaces what the core holds with what was read from the persistence. */
  protected adopt(meta: MetaFile, runs: readonly RunFile[]): void {
    this.meta = meta;
    this.runFiles.clear();
    for (const file of runs) this.runFiles.set(runKey(file.run.dagId, file.run.runId), file);
  }

  commit(): Promise<void> {
    return this.persistence.commit();
  }

  private changeMeta(change: MetaChange): Promise<void> {
    applyMetaChange(this.meta, change);
    return this.persistence.recordMeta(this.meta, change);
  }

  private changeRun(file: RunFile, change: RunChange): Promise<void> {
    applyRunChange(file, change);
    return this.persistence.recordRun(file, change);
  }

  // DAGs

  saveDags(dags: readonly SerializedDag[], pausedAtCreation: (dag: SerializedDag) => boolean): Promise<void> {
    const statuses = dags.map((dag): DagStatus => {
      const status = this.meta.statuses[dag.dagId];
      return status
        ? { ...status, isActive: true }
        : { dagId: dag.dagId, isPaused: pausedAtCreation(dag), isActive: true };
    });
    const written = this.changeMeta({ kind: "dags", dags: [...dags], statuses });
    this.events.emit("change", { kind: "dags" });
    return written;
  }

  deactivateDagsExcept(activeIds: ReadonlySet<string>): Promise<void> {
    const changed = Object.values(this.meta.statuses)
      .filter((status) => status.isActive !== activeIds.has(status.dagId))
      .map((status) => ({ ...status, isActive: activeIds.has(status.dagId) }));
    if (changed.length === 0) return Promise.resolve();
    const written = this.changeMeta({ kind: "statuses", statuses: changed });
    this.events.emit("change", { kind: "dags" });
    return written;
  }

  getDag(dagId: string): SerializedDag | undefined {
    return this.meta.dags[dagId];
  }

  dagStatuses(): DagStatus[] {
    return Object.values(this.meta.statuses).map((status) => ({ ...status }));
  }

  setPaused(dagId: string, paused: boolean): Promise<void> {
    const status = this.meta.statuses[dagId];
    if (!status) throw new NotFoundError(`no DAG '${dagId}'`);
    const written = this.changeMeta({ kind: "statuses", statuses: [{ ...status, isPaused: paused }] });
    this.events.emit("change", { kind: "dags" });
    return written;
  }

  /** Forgets a DAG and its runs (`kitelab dags delete`); resolves to the number of runs removed. */
  async deleteDag(dagId: string): Promise<number> {
    const writes = [this.changeMeta({ kind: "delete-dag", dagId })];
    let removed = 0;
    for (const [key, file] of this.runFiles) {
      if (file.run.dagId !== dagId) continue;
      writes.push(this.persistence.deleteRun(file));
      this.runFiles.delete(key);
      removed += 1;
    }
    this.events.emit("change", { kind: "dags" });
    await Promise.all(writes);
    return removed;
  }

  setImportErrors(errors: ReadonlyMap<string, ImportProblem>): Promise<void> {
    const now = new Date().toISOString();
    const previous = this.meta.importErrors;
    const next: MetaFile["importErrors"] = {};
    for (const [file, problem] of errors)
      next[file] = {
        ...problem,
        timestamp: previous[file]?.message === problem.message ? previous[file]!.timestamp : now,
      };
    if (JSON.stringify(next) === JSON.stringify(previous)) return Promise.resolve();
    return this.changeMeta({ kind: "import-errors", importErrors: next });
  }

  importErrorList(): Array<ImportProblem & { file: string; timestamp: string }> {
    return Object.entries(this.meta.importErrors).map(([file, problem]) => ({ ...problem, file }));
  }

  heartbeat(info: SchedulerHeartbeat): Promise<void> {
    return this.changeMeta({ kind: "heartbeat", heartbeat: { ...info } });
  }

  latestHeartbeat(): SchedulerHeartbeat | undefined {
    return this.meta.heartbeat;
  }

  // Runs

  createRun(run: DagRunRecord, taskInstances: readonly TaskInstanceRecord[]): Promise<void> {
    const key = runKey(run.dagId, run.runId);
    if (this.runFiles.has(key)) throw new ConflictError(`DAG '${run.dagId}' already has a run '${run.runId}'`);
    const file: RunFile = {
      schemaVersion: SCHEMA_VERSION,
      run: structuredClone(run),
      taskInstances: Object.fromEntries(taskInstances.map((ti) => [ti.taskId, structuredClone(ti)])),
      xcoms: [],
    };
    this.runFiles.set(key, file);
    // Both changes go into the same commit, so either promise stands for both.
    const written = this.persistence.createRun(file);
    if (run.runType !== "manual") {
      const status = this.meta.statuses[run.dagId];
      const last = status?.lastAutomatedInterval;
      if (status && (!last || last.end <= run.dataIntervalEnd)) {
        void this.changeMeta({
          kind: "statuses",
          statuses: [{ ...status, lastAutomatedInterval: { start: run.dataIntervalStart, end: run.dataIntervalEnd } }],
        });
      }
    }
    this.events.emit("change", { kind: "run", dagId: run.dagId, runId: run.runId });
    return written;
  }

  private runFile(dagId: string, runId: string): RunFile {
    const file = this.runFiles.get(runKey(dagId, runId));
    if (!file) throw new NotFoundError(`DAG '${dagId}' has no run '${runId}'`);
    return file;
  }

  updateRun(dagId: string, runId: string, patch: Partial<DagRunRecord>): Promise<void> {
    const written = this.changeRun(this.runFile(dagId, runId), { kind: "run", ...splitPatch(patch) });
    this.events.emit("change", { kind: "run", dagId, runId });
    return written;
  }

  getRun(dagId: string, runId: string): DagRunRecord | undefined {
    const run = this.runFiles.get(runKey(dagId, runId))?.run;
    return run ? { ...run } : undefined;
  }

  activeRuns(): DagRunRecord[] {
    const active: DagRunRecord[] = [];
    for (const { run } of this.runFiles.values())
      if (run.state === "queued" || run.state === "running") active.push({ ...run });
    return active.sort((a, b) => a.logicalDate.localeCompare(b.logicalDate));
  }

  allRuns(dagId?: string): DagRunRecord[] {
    const runs: DagRunRecord[] = [];
    for (const { run } of this.runFiles.values()) if (!dagId || run.dagId === dagId) runs.push({ ...run });
    return runs;
  }

  taskInstances(dagId: string, runId: string): TaskInstanceRecord[] {
    const file = this.runFiles.get(runKey(dagId, runId));
    return file ? Object.values(file.taskInstances).map((ti) => ({ ...ti })) : [];
  }

  taskInstance(dagId: string, runId: string, taskId: string): TaskInstanceRecord | undefined {
    const ti = this.runFiles.get(runKey(dagId, runId))?.taskInstances[taskId];
    return ti ? { ...ti } : undefined;
  }

  taskInstanceView(dagId: string, runId: string): TaskInstanceView {
    return this.runFiles.get(runKey(dagId, runId))?.taskInstances ?? {};
  }

  updateTaskInstances(
    dagId: string,
    runId: string,
    patches: ReadonlyArray<Partial<TaskInstanceRecord> & { taskId: string }>,
  ): Promise<void> {
    if (patches.length === 0) return Promise.resolve();
    const file = this.runFile(dagId, runId);
    const written = this.changeRun(file, {
      kind: "task-instances",
      patches: patches.map(({ taskId, ...patch }) => ({ taskId, ...splitPatch<TaskInstanceRecord>(patch) })),
    });
    this.events.emit("change", { kind: "task-instances", dagId, runId, taskIds: patches.map((patch) => patch.taskId) });
    return written;
  }

  addTaskInstances(dagId: string, runId: string, taskInstances: readonly TaskInstanceRecord[]): Promise<void> {
    const written = this.changeRun(this.runFile(dagId, runId), {
      kind: "add-task-instances",
      taskInstances: [...taskInstances],
    });
    this.events.emit("change", {
      kind: "task-instances",
      dagId,
      runId,
      taskIds: taskInstances.map((ti) => ti.taskId),
    });
    return written;
  }

  xcoms(dagId: string, runId: string): XComRecord[] {
    return [...(this.runFiles.get(runKey(dagId, runId))?.xcoms ?? [])];
  }

  setXComs(
    dagId: string,
    runId: string,
    taskId: string,
    values: ReadonlyArray<{ key: string; value: unknown }>,
  ): Promise<void> {
    return this.changeRun(this.runFile(dagId, runId), { kind: "xcoms", taskId, values: [...values] });
  }

  clearXComs(dagId: string, runId: string, taskId: string): Promise<void> {
    return this.changeRun(this.runFile(dagId, runId), { kind: "clear-xcoms", taskId });
  }
}

export function emptyMeta(): MetaFile {
  return { schemaVersion: SCHEMA_VERSION, dags: {}, statuses: {}, importErrors: {} };
}

export function runKey(dagId: string, runId: string): string {
  return `${dagId}\u0000${runId}`;
}
