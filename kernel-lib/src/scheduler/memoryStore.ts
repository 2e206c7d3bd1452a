import type { SerializedDag } from "../dag/serialize.js";
import type { ImportProblem } from "../dagbag/importFile.js";
import type { ConnectionRecord, DagRunRecord, TaskInstanceRecord, XComRecord } from "../records.js";
import type { DagStatus, SchedulerStore } from "./schedulerStore.js";

/** A SchedulerStore in memory: for scenario tests of the scheduler and for quick experiments. */
export class MemorySchedulerStore implements SchedulerStore {
  readonly dags = new Map<string, SerializedDag>();
  readonly statuses = new Map<string, DagStatus>();
  readonly runs = new Map<string, DagRunRecord>();
  readonly instances = new Map<string, Map<string, TaskInstanceRecord>>();
  readonly xcomRecords = new Map<string, XComRecord[]>();
  importErrors = new Map<string, ImportProblem & { timestamp: string }>();
  vars: Record<string, string> = {};
  conns: Record<string, ConnectionRecord> = {};
  pools = new Map<string, number>([["default_pool", 128]]);
  lastHeartbeat?: { pid: number; hostname: string; at: string };

  async saveDags(dags: readonly SerializedDag[], pausedAtCreation: (dag: SerializedDag) => boolean): Promise<void> {
    for (const dag of dags) {
      this.dags.set(dag.dagId, dag);
      const status = this.statuses.get(dag.dagId);
      if (status) status.isActive = true;
      else this.statuses.set(dag.dagId, { dagId: dag.dagId, isPaused: pausedAtCreation(dag), isActive: true });
    }
  }

  async deactivateDagsExcept(activeIds: ReadonlySet<string>): Promise<void> {
    for (const status of this.statuses.values()) if (!activeIds.has(status.dagId)) status.isActive = false;
  }

  getDag(dagId: string): SerializedDag | undefined {
    return this.dags.get(dagId);
  }

  dagStatuses(): DagStatus[] {
    return [...this.statuses.values()].map((status) => ({ ...status }));
  }

  async setPaused(dagId: string, paused: boolean): Promise<void> {
    const status = this.statuses.get(dagId);
    if (!status) throw new Error(`no DAG '${dagId}'`);
    status.isPaused = paused;
  }

  async setImportErrors(errors: ReadonlyMap<string, ImportProblem>): Promise<void> {
    const now = new Date().toISOString();
    this.importErrors = new Map([...errors].map(([file, problem]) => [file, { ...problem, timestamp: this.importErrors.get(file)?.timestamp ?? now }]));
  }

  importErrorList(): Array<ImportProblem & { file: string; timestamp: string }> {
    return [...this.importErrors].map(([file, problem]) => ({ ...problem, file }));
  }

  allRuns(dagId?: string): DagRunRecord[] {
    return [...this.runs.values()].filter((run) => !dagId || run.dagId === dagId).map((run) => ({ ...run }));
  }

  latestHeartbeat(): { pid: number; hostname: string; at: string } | undefined {
    return this.lastHeartbeat;
  }

  async createRun(run: DagRunRecord, taskInstances: readonly TaskInstanceRecord[]): Promise<void> {
    const key = runKey(run.dagId, run.runId);
    this.runs.set(key, { ...run });
    this.instances.set(key, new Map(taskInstances.map((ti) => [ti.taskId, { ...ti }])));
    if (run.runType !== "manual") {
      const status = this.statuses.get(run.dagId);
      const last = status?.lastAutomatedInterval;
      if (status && (!last || last.end <= run.dataIntervalEnd)) {
        status.lastAutomatedInterval = { start: run.dataIntervalStart, end: run.dataIntervalEnd };
      }
    }
  }

  async updateRun(dagId: string, runId: string, patch: Partial<DagRunRecord>): Promise<void> {
    const run = this.runs.get(runKey(dagId, runId));
    if (!run) throw new Error(`no run ${dagId}/${runId}`);
    Object.assign(run, patch);
  }

  getRun(dagId: string, runId: string): DagRunRecord | undefined {
    const run = this.runs.get(runKey(dagId, runId));
    return run ? { ...run } : undefined;
  }

  activeRuns(): DagRunRecord[] {
    return [...this.runs.values()]
      .filter((run) => run.state === "queued" || run.state === "running")
      .sort((a, b) => a.logicalDate.localeCompare(b.logicalDate))
      .map((run) => ({ ...run }));
  }

  taskInstances(dagId: string, runId: string): TaskInstanceRecord[] {
    return [...(this.instances.get(runKey(dagId, runId))?.values() ?? [])].map((ti) => ({ ...ti }));
  }

  async updateTaskInstances(dagId: string, runId: string, patches: ReadonlyArray<Partial<TaskInstanceRecord> & { taskId: string }>): Promise<void> {
    const instances = this.instances.get(runKey(dagId, runId));
    if (!instances) throw new Error(`no run ${dagId}/${runId}`);
    for (const patch of patches) {
      const ti = instances.get(patch.taskId);
      if (ti) Object.assign(ti, patch);
    }
  }

  async addTaskInstances(dagId: string, runId: string, taskInstances: readonly TaskInstanceRecord[]): Promise<void> {
    const instances = this.instances.get(runKey(dagId, runId));
    for (const ti of taskInstances) instances?.set(ti.taskId, { ...ti });
  }

  xcoms(dagId: string, runId: string): XComRecord[] {
    return [...(this.xcomRecords.get(runKey(dagId, runId)) ?? [])];
  }

  async setXComs(dagId: string, runId: string, taskId: string, values: ReadonlyArray<{ key: string; value: unknown }>): Promise<void> {
    const key = runKey(dagId, runId);
    const kept = (this.xcomRecords.get(key) ?? []).filter((x) => !(x.taskId === taskId && values.some((v) => v.key === x.key)));
    this.xcomRecords.set(key, [...kept, ...values.map((v) => ({ dagId, runId, taskId, key: v.key, value: v.value }))]);
  }

  async clearXComs(dagId: string, runId: string, taskId: string): Promise<void> {
    const key = runKey(dagId, runId);
    this.xcomRecords.set(key, (this.xcomRecords.get(key) ?? []).filter((x) => x.taskId !== taskId));
  }

  variables(): Record<string, string> {
    return { ...this.vars };
  }

  connections(): Record<string, ConnectionRecord> {
    return { ...this.conns };
  }

  poolSizes(): Map<string, number> {
    return new Map(this.pools);
  }

  async heartbeat(info: { pid: number; hostname: string; at: string }): Promise<void> {
    this.lastHeartbeat = info;
  }
}

function runKey(dagId: string, runId: string): string {
  return `${dagId}\u0000${runId}`;
}
