import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Server } from "node:http";
import type { SerializedDag, SerializedTask } from "../../src/dag/serialize.js";
import type { ImportProblem } from "../../src/dagbag/importFile.js";
import type { DagRunRecord, TaskInstanceRecord, XComRecord } from "../../src/records.js";
import { taskLogPath } from "../../src/runtime/logPaths.js";
import type { DagRunState, TaskInstanceState } from "../../src/states.js";
import { createApp, type OutboxView, type WebDeps } from "../../src/web/app.js";
import type { DagSummary, Page, ReadModel, RunQuery, SchedulerControl, SharedSettings } from "../../src/web/ports.js";
import {
  patchesForRunState,
  patchesForTaskState,
  type MarkableRunState,
  type MarkableTaskState,
} from "../../src/engine/markState.js";
import type { ConnectionRecord, PoolRecord, SchedulerHeartbeat, VariableRecord } from "../../src/records.js";

/** A task as tests describe it: an id and the ids it depends on. */
export interface FakeTask {
  taskId: string;
  upstream?: string[];
  operator?: string;
}

export function serializedDag(dagId: string, tasks: FakeTask[], extra: Partial<SerializedDag> = {}): SerializedDag {
  const full = tasks.map(
    (task): SerializedTask => ({
      taskId: task.taskId,
      upstreamIds: task.upstream ?? [],
      downstreamIds: tasks.filter((other) => other.upstream?.includes(task.taskId)).map((other) => other.taskId),
      operator: task.operator ?? "PythonOperator",
      triggerRule: "all_success",
      retries: 0,
      retryDelayMs: 300_000,
      retryExponentialBackoff: false,
      email: [],
      emailOnFailure: false,
      emailOnRetry: false,
      emailOnSuccess: false,
      pool: "default_pool",
      poolSlots: 1,
      owner: "airflow",
    }),
  );
  return {
    dagId,
    fileloc: `/dags/${dagId}.ts`,
    schedule: "@daily",
    timezone: "UTC",
    params: {},
    tags: [],
    warnings: [],
    tasks: full,
    ...extra,
  };
}

/**
 * An in-memory scheduler for web tests: a ReadModel and a SchedulerControl over the same
 * maps, with helpers to add DAGs and runs and to move runs along.
 */
export class FakeKitelab implements ReadModel, SchedulerControl {
  readonly summaries = new Map<string, DagSummary>();
  readonly runList: DagRunRecord[] = [];
  readonly instances = new Map<string, TaskInstanceRecord[]>();
  problems: Array<ImportProblem & { file: string; timestamp: string }> = [];
  heartbeat?: SchedulerHeartbeat;
  readonly calls = { trigger: [] as unknown[], setPaused: [] as unknown[], clear: [] as unknown[] };
  clock = new Date("2024-03-01T12:00:00Z");
  /** Set to make the next control call fail with this error. */
  failNext?: Error;

  addDag(dag: SerializedDag, status: Partial<Omit<DagSummary, "dag">> = {}): this {
    this.summaries.set(dag.dagId, { dag, isPaused: false, isActive: true, ...status });
    return this;
  }

  addRun(
    dagId: string,
    run: Partial<DagRunRecord> & { state: DagRunState; logicalDate: string },
    taskStates: Record<string, TaskInstanceState> = {},
  ): DagRunRecord {
    const record: DagRunRecord = {
      dagId,
      runId: run.runId ?? `scheduled__${run.logicalDate.replace(/\.000Z$/, "+00:00").replace(/Z$/, "+00:00")}`,
      runType: run.runType ?? "scheduled",
      state: run.state,
      logicalDate: run.logicalDate,
      dataIntervalStart: run.dataIntervalStart ?? run.logicalDate,
      dataIntervalEnd: run.dataIntervalEnd ?? new Date(new Date(run.logicalDate).getTime() + 86_400_000).toISOString(),
      runAfter: run.runAfter ?? run.logicalDate,
      queuedAt: run.queuedAt ?? run.logicalDate,
      startDate: run.startDate,
      endDate: run.endDate,
      conf: run.conf ?? {},
      externalTrigger: run.externalTrigger ?? false,
    };
    if ((record.state === "success" || record.state === "failed") && record.endDate === undefined) {
      record.startDate ??= new Date(new Date(record.logicalDate).getTime() + 86_400_000).toISOString();
      record.endDate = new Date(new Date(record.startDate).getTime() + 42_000).toISOString();
    }
    this.runList.push(record);
    const dag = this.summaries.get(dagId)?.dag;
    this.instances.set(
      key(dagId, record.runId),
      (dag?.tasks ?? []).map((task) =>
        instance(record, task.taskId, taskStates[task.taskId] ?? (record.state === "success" ? "success" : "none")),
      ),
    );
    return record;
  }

  /** Sets task states (and the run's) as a scheduler would while the run progresses. */
  progress(dagId: string, runId: string, taskStates: Record<string, TaskInstanceState>, runState?: DagRunState): void {
    const run = this.run(dagId, runId);
    if (!run) throw new Error(`no run ${runId}`);
    for (const ti of this.instances.get(key(dagId, runId)) ?? []) {
      const state = taskStates[ti.taskId];
      if (state === undefined) continue;
      if (state === "running" && ti.state !== "running") {
        ti.tryNumber += 1;
        ti.startDate = this.clock.toISOString();
        ti.hostname = "localhost";
        ti.pid = 4242;
      }
      if (state === "success" || state === "failed") {
        ti.endDate = this.clock.toISOString();
        ti.durationMs = 1500;
        if (ti.tryNumber === 0) ti.tryNumber = 1;
      }
      ti.state = state;
    }
    if (runState) {
      run.state = runState;
      run.startDate ??= this.clock.toISOString();
      if (runState === "success" || runState === "failed")
        run.endDate = new Date(this.clock.getTime() + 3000).toISOString();
    }
  }

  dags(): DagSummary[] {
    return [...this.summaries.values()];
  }

  dag(dagId: string): DagSummary | undefined {
    return this.summaries.get(dagId);
  }

  runs(query: RunQuery): Page<DagRunRecord> {
    const order = query.orderBy ?? "-execution_date";
    const descending = order.startsWith("-");
    const field = descending ? order.slice(1) : order;
    const sortKeyOf = (run: DagRunRecord) =>
      field === "start_date" ? (run.startDate ?? "") : field === "end_date" ? (run.endDate ?? "") : run.logicalDate;
    const matching = this.runList
      .filter((run) => query.dagId === undefined || run.dagId === query.dagId)
      .filter((run) => query.states === undefined || query.states.includes(run.state))
      .sort((a, b) => (descending ? -1 : 1) * sortKeyOf(a).localeCompare(sortKeyOf(b)));
    return { items: matching.slice(query.offset, query.offset + query.limit), total: matching.length };
  }

  run(dagId: string, runId: string): DagRunRecord | undefined {
    return this.runList.find((run) => run.dagId === dagId && run.runId === runId);
  }

  latestFinishedRun(dagId?: string): DagRunRecord | undefined {
    return this.runList
      .filter(
        (run) => (dagId === undefined || run.dagId === dagId) && (run.state === "success" || run.state === "failed"),
      )
      .sort((a, b) => (b.endDate ?? "").localeCompare(a.endDate ?? ""))[0];
  }

  taskInstances(dagId: string, runId: string): TaskInstanceRecord[] {
    return (this.instances.get(key(dagId, runId)) ?? []).map((ti) => ({ ...ti }));
  }

  xcoms(): XComRecord[] {
    return [];
  }

  importErrors(): Array<ImportProblem & { file: string; timestamp: string }> {
    return this.problems;
  }

  latestHeartbeat(): { at: string; pid: number; hostname: string } | undefined {
    return this.heartbeat;
  }

  async trigger(
    dagId: string,
    request: { conf?: Record<string, unknown>; logicalDate?: Date; runId?: string },
  ): Promise<DagRunRecord> {
    this.calls.trigger.push({ dagId, ...request });
    this.throwIfAsked();
    if (!this.summaries.has(dagId)) throw new Error(`no DAG '${dagId}'`);
    const logicalDate = (request.logicalDate ?? this.clock).toISOString();
    const runId = request.runId ?? `manual__${logicalDate.replace(/\.000Z$/, "+00:00")}`;
    if (this.run(dagId, runId)) throw new Error(`DAG '${dagId}' already has a run '${runId}'`);
    this.clock = new Date(this.clock.getTime() + 1000);
    return {
      ...this.addRun(dagId, {
        runId,
        state: "queued",
        logicalDate,
        runType: "manual",
        externalTrigger: true,
        conf: request.conf ?? {},
      }),
    };
  }

  async setPaused(dagId: string, paused: boolean): Promise<void> {
    this.calls.setPaused.push({ dagId, paused });
    this.throwIfAsked();
    const summary = this.summaries.get(dagId);
    if (!summary) throw new Error(`no DAG '${dagId}'`);
    summary.isPaused = paused;
  }

  async clear(dagId: string, runId: string, taskIds?: string[]): Promise<number> {
    this.calls.clear.push({ dagId, runId, taskIds });
    this.throwIfAsked();
    const cleared = (this.instances.get(key(dagId, runId)) ?? []).filter(
      (ti) => !taskIds || taskIds.includes(ti.taskId),
    );
    for (const ti of cleared) ti.state = "none";
    const run = this.run(dagId, runId);
    if (run) run.state = "queued";
    return cleared.length;
  }

  async setRunState(dagId: string, runId: string, state: MarkableRunState): Promise<DagRunRecord> {
    this.throwIfAsked();
    const run = this.run(dagId, runId);
    if (!run) throw new Error(`no run ${runId}`);
    this.applyPatches(dagId, runId, patchesForRunState(this.taskInstances(dagId, runId), state, this.clock));
    run.state = state;
    return { ...run };
  }

  async setTaskInstanceState(
    dagId: string,
    runId: string,
    taskIds: readonly string[],
    state: MarkableTaskState,
  ): Promise<TaskInstanceRecord[]> {
    this.throwIfAsked();
    const patches = patchesForTaskState(this.taskInstances(dagId, runId), new Set(taskIds), state, this.clock);
    this.applyPatches(dagId, runId, patches);
    return this.taskInstances(dagId, runId).filter((ti) => patches.some((patch) => patch.taskId === ti.taskId));
  }

  async setNote(dagId: string, runId: string, taskId: string | undefined, note: string): Promise<void> {
    this.throwIfAsked();
    const run = this.run(dagId, runId);
    if (!run) throw new Error(`no run ${runId}`);
    if (taskId === undefined) run.note = note;
    else for (const ti of this.instances.get(key(dagId, runId)) ?? []) if (ti.taskId === taskId) ti.note = note;
  }

  private applyPatches(
    dagId: string,
    runId: string,
    patches: ReadonlyArray<Partial<TaskInstanceRecord> & { taskId: string }>,
  ): void {
    for (const ti of this.instances.get(key(dagId, runId)) ?? []) {
      const patch = patches.find((candidate) => candidate.taskId === ti.taskId);
      if (patch) Object.assign(ti, patch);
    }
  }

  private throwIfAsked(): void {
    const error = this.failNext;
    this.failNext = undefined;
    if (error) throw error;
  }
}

function key(dagId: string, runId: string): string {
  return `${dagId}\u0000${runId}`;
}

function instance(run: DagRunRecord, taskId: string, state: TaskInstanceState): TaskInstanceRecord {
  const finished = state === "success" || state === "failed" || state === "upstream_failed" || state === "skipped";
  const ran = state === "success" || state === "failed" || state === "running" || state === "up_for_retry";
  return {
    dagId: run.dagId,
    runId: run.runId,
    taskId,
    state,
    tryNumber: ran ? 1 : 0,
    maxTries: 1,
    startDate: ran ? run.startDate : undefined,
    endDate: finished && ran ? run.endDate : undefined,
    durationMs: finished && ran ? 2500 : undefined,
    hostname: ran ? "localhost" : undefined,
    pid: ran ? 1234 : undefined,
    pool: "default_pool",
  };
}

/** Variables, Connections and pools in memory, `default_pool` included. */
export function memorySharedSettings(): SharedSettings {
  const variables = new Map<string, VariableRecord>();
  const connections = new Map<string, ConnectionRecord>();
  const pools = new Map<string, PoolRecord>([
    ["default_pool", { name: "default_pool", slots: 128, description: "Default pool" }],
  ]);
  const remove =
    <T>(table: Map<string, T>) =>
    async (id: string) =>
      table.delete(id);
  return {
    variables: () => [...variables.values()],
    setVariable: async (variable) => void variables.set(variable.key, { ...variable }),
    deleteVariable: remove(variables),
    connections: () => [...connections.values()],
    setConnection: async (connection) => void connections.set(connection.connId, { ...connection }),
    deleteConnection: remove(connections),
    pools: () => [...pools.values()],
    setPool: async (pool) => void pools.set(pool.name, { ...pool }),
    deletePool: remove(pools),
  };
}

/** A fake outbox with one message. */
export function fakeOutbox(): OutboxView {
  const messages = [
    {
      id: "msg-1",
      subject: "Run succeeded: ml_pipeline",
      to: ["teacher@example.org"],
      date: "2024-03-01T12:00:05Z",
      status: "written",
    },
  ];
  return {
    list: () => messages,
    read: (id) => (id === "msg-1" ? "Subject: Run succeeded: ml_pipeline\n\nAll 7 tasks succeeded." : undefined),
  };
}

/** The app over a FakeKitelab on an ephemeral port of 127.0.0.1, with a temporary log folder. */
export async function startWebApp(options: Partial<WebDeps> & { world?: FakeKitelab } = {}): Promise<{
  world: FakeKitelab;
  url: string;
  logFolder: string;
  writeLog: (dagId: string, runId: string, taskId: string, tryNumber: number, text: string) => string;
  close: () => Promise<void>;
}> {
  const world = options.world ?? new FakeKitelab();
  const logFolder = mkdtempSync(join(tmpdir(), "kitelab-web-logs-"));
  const app = createApp({
    read: world,
    control: world,
    shared: memorySharedSettings(),
    baseUrl: "/",
    token: "s3cret-token",
    exposeReads: true,
    healthThresholdSeconds: 30,
    logFolder,
    now: () => world.clock,
    onError: () => {},
    ...options,
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    world,
    url: `http://127.0.0.1:${port}`,
    logFolder,
    writeLog(dagId, runId, taskId, tryNumber, text) {
      const path = taskLogPath(logFolder, dagId, runId, taskId, tryNumber);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      return path;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(logFolder, { recursive: true, force: true });
    },
  };
}

/**
 * Signs in like a browser (`/login?token=`) and returns the headers a same-origin page's
 * form post carries: the session cookie and the Origin.
 */
export async function signedInHeaders(app: { url: string }, token = "s3cret-token"): Promise<Record<string, string>> {
  const login = await fetch(`${app.url}/login?token=${encodeURIComponent(token)}`, { redirect: "manual" });
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
  if (cookie === "") throw new Error(`signing in failed with ${login.status}`);
  return { Cookie: cookie, Origin: app.url };
}
