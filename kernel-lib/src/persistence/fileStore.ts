import { EventEmitter } from "node:events";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { Low } from "lowdb";
import type { SerializedDag } from "../dag/serialize.js";
import type { ImportProblem } from "../dagbag/importFile.js";
import type { ConnectionRecord, DagRunRecord, PoolRecord, TaskInstanceRecord, VariableRecord, XComRecord } from "../records.js";
import type { DagStatus, SchedulerStore } from "../scheduler/schedulerStore.js";
import { AtomicJsonFile, temporaryFileWriter } from "./atomicJsonFile.js";
import { acquireLock, type LockOwner } from "./lock.js";
import { migrate, SCHEMA_VERSION, type MetaFile, type RunFile, type SharedFile } from "./schema.js";
import { SecretBox } from "./secretBox.js";
import { isSensitiveName } from "../util/secrets.js";
import { isProcessAlive } from "../util/processes.js";

export interface OpenStoreOptions {
  /** Take the single-writer lock (the scheduler). Readers (web server, CLI) don't. */
  writer: boolean;
  /** `$KITELAB_HOME`, where the encryption key lives. */
  home: string;
  /** `[core] fernet_key`; empty to use (or generate) `$KITELAB_HOME/fernet_key`. */
  fernetKey?: string;
}

/** What changed, for subscribers (mail, web, extension) that would rather not poll. */
export type StoreChange =
  | { kind: "run"; dagId: string; runId: string }
  | { kind: "task-instances"; dagId: string; runId: string }
  | { kind: "dags" }
  | { kind: "shared" };

interface RunEntry {
  db: Low<RunFile>;
  adapter: AtomicJsonFile<RunFile>;
}

const DEFAULT_POOL: PoolRecord = { name: "default_pool", slots: 128, description: "Default pool" };

/**
 * The durable store: lowdb over sharded JSON files, so one write costs the same with ten
 * or ten thousand task instances stored.
 * - `meta.json`: DAGs, their paused/active status, import errors, the heartbeat;
 * - `shared.json`: Variables (secret-named ones encrypted), Connections (passwords encrypted), pools; the CLI may write it
 *   while a scheduler runs (short lock `shared.lock`), and the scheduler re-reads it when it changes;
 * - `runs/<dag>/<run>.json`: one run, its task instances and XComs.
 * Every write is atomic (temp file, fsync, rename) and done before the promise resolves.
 */
export class FileStore implements SchedulerStore {
  readonly events = new EventEmitter<{ change: [StoreChange] }>();
  private readonly meta: Low<MetaFile>;
  private readonly metaFile: AtomicJsonFile<MetaFile>;
  private readonly sharedFile: AtomicJsonFile<SharedFile>;
  private shared: SharedFile;
  private sharedMtime = 0;
  private readonly runsByKey = new Map<string, RunEntry>();
  private readonly box: SecretBox;
  private releaseLock?: () => void;
  readonly lockTakenOverFrom?: LockOwner;

  private constructor(readonly dir: string, private readonly options: OpenStoreOptions) {
    mkdirSync(join(dir, "runs"), { recursive: true });
    if (options.writer) {
      const lock = acquireLock(join(dir, "scheduler.lock"), dir);
      this.releaseLock = lock.release;
      this.lockTakenOverFrom = lock.tookOverFrom;
    }
    this.box = SecretBox.forHome(options.home, options.fernetKey);
    this.metaFile = new AtomicJsonFile<MetaFile>(join(dir, "meta.json"));
    this.meta = new Low(this.metaFile, emptyMeta());
    this.sharedFile = new AtomicJsonFile<SharedFile>(join(dir, "shared.json"));
    this.shared = emptyShared();
  }

  /** Opens (or creates) the store in `dir`. */
  static open(dir: string, options: OpenStoreOptions): FileStore {
    const store = new FileStore(dir, options);
    try {
      store.load();
    } catch (error) {
      store.releaseLock?.();
      throw error;
    }
    return store;
  }

  private load(): void {
    if (this.options.writer) this.removeOrphanedTemporaries();
    const meta = this.metaFile.readSync();
    this.meta.data = meta ? migrate<MetaFile>(meta as unknown as Record<string, unknown>, this.metaFile.path, "meta") : emptyMeta();
    this.reloadShared(true);
    this.runsByKey.clear();
    const runsDir = join(this.dir, "runs");
    for (const dagFolder of readdirSync(runsDir)) {
      const folder = join(runsDir, dagFolder);
      if (!statSync(folder).isDirectory()) continue;
      for (const name of readdirSync(folder)) {
        if (!name.endsWith(".json")) continue;
        const adapter = new AtomicJsonFile<RunFile>(join(folder, name));
        const raw = adapter.readSync();
        if (!raw) continue;
        const data = migrate<RunFile>(raw as unknown as Record<string, unknown>, adapter.path, "run");
        this.runsByKey.set(runKey(data.run.dagId, data.run.runId), { db: new Low(adapter, data), adapter });
      }
    }
  }

  /**
   * A process killed while writing leaves its temporary file (`<file>.json.<pid>.tmp`) behind;
   * the writer removes those of dead processes, so crashes do not pile them up.
   */
  private removeOrphanedTemporaries(): void {
    const runsDir = join(this.dir, "runs");
    const folders = [this.dir, ...readdirSync(runsDir).map((name) => join(runsDir, name)).filter((folder) => statSync(folder).isDirectory())];
    for (const folder of folders) {
      for (const name of readdirSync(folder)) {
        const pid = temporaryFileWriter(name);
        if (pid !== undefined && !isProcessAlive(pid)) rmSync(join(folder, name), { force: true });
      }
    }
  }

  /** Re-reads files other processes may have written (readers call this before answering). */
  refresh(): void {
    if (!this.options.writer) this.load();
    else this.reloadShared(false);
  }

  async close(): Promise<void> {
    this.releaseLock?.();
    this.releaseLock = undefined;
  }

  private reloadShared(force: boolean): void {
    const mtime = existsSync(this.sharedFile.path) ? statSync(this.sharedFile.path).mtimeMs : 0;
    if (!force && mtime === this.sharedMtime) return;
    const raw = this.sharedFile.readSync();
    this.shared = raw ? migrate<SharedFile>(raw as unknown as Record<string, unknown>, this.sharedFile.path, "shared") : emptyShared();
    this.sharedMtime = mtime;
  }

  private writeMeta(): void {
    this.requireWriter();
    this.metaFile.writeSync(this.meta.data);
  }

  private requireWriter(): void {
    if (!this.options.writer) throw new Error("this store was opened read-only; only the scheduler writes runs and DAGs");
  }

  // DAGs

  async saveDags(dags: readonly SerializedDag[], pausedAtCreation: (dag: SerializedDag) => boolean): Promise<void> {
    const data = this.meta.data;
    for (const dag of dags) {
      data.dags[dag.dagId] = dag;
      const status = data.statuses[dag.dagId];
      if (status) status.isActive = true;
      else data.statuses[dag.dagId] = { dagId: dag.dagId, isPaused: pausedAtCreation(dag), isActive: true };
    }
    this.writeMeta();
    this.events.emit("change", { kind: "dags" });
  }

  async deactivateDagsExcept(activeIds: ReadonlySet<string>): Promise<void> {
    let changed = false;
    for (const status of Object.values(this.meta.data.statuses)) {
      const active = activeIds.has(status.dagId);
      if (status.isActive !== active) {
        status.isActive = active;
        changed = true;
      }
    }
    if (changed) {
      this.writeMeta();
      this.events.emit("change", { kind: "dags" });
    }
  }

  getDag(dagId: string): SerializedDag | undefined {
    return this.meta.data.dags[dagId];
  }

  dagStatuses(): DagStatus[] {
    return Object.values(this.meta.data.statuses).map((status) => ({ ...status }));
  }

  async setPaused(dagId: string, paused: boolean): Promise<void> {
    const status = this.meta.data.statuses[dagId];
    if (!status) throw new Error(`no DAG '${dagId}'`);
    status.isPaused = paused;
    this.writeMeta();
    this.events.emit("change", { kind: "dags" });
  }

  /** Forgets a DAG and its runs (`kitelab dags delete`). */
  async deleteDag(dagId: string): Promise<number> {
    delete this.meta.data.dags[dagId];
    delete this.meta.data.statuses[dagId];
    this.writeMeta();
    let removed = 0;
    for (const [key, entry] of this.runsByKey) {
      if (entry.db.data.run.dagId !== dagId) continue;
      rmSync(entry.adapter.path, { force: true });
      this.runsByKey.delete(key);
      removed += 1;
    }
    this.events.emit("change", { kind: "dags" });
    return removed;
  }

  async setImportErrors(errors: ReadonlyMap<string, ImportProblem>): Promise<void> {
    const now = new Date().toISOString();
    const previous = this.meta.data.importErrors;
    const next: MetaFile["importErrors"] = {};
    for (const [file, problem] of errors) next[file] = { ...problem, timestamp: previous[file]?.message === problem.message ? previous[file]!.timestamp : now };
    if (JSON.stringify(next) === JSON.stringify(previous)) return;
    this.meta.data.importErrors = next;
    this.writeMeta();
  }

  importErrorList(): Array<ImportProblem & { file: string; timestamp: string }> {
    return Object.entries(this.meta.data.importErrors).map(([file, problem]) => ({ ...problem, file }));
  }

  async heartbeat(info: { pid: number; hostname: string; at: string }): Promise<void> {
    this.meta.data.heartbeat = info;
    this.writeMeta();
  }

  latestHeartbeat(): { pid: number; hostname: string; at: string } | undefined {
    return this.meta.data.heartbeat;
  }

  // Runs

  async createRun(run: DagRunRecord, taskInstances: readonly TaskInstanceRecord[]): Promise<void> {
    this.requireWriter();
    const key = runKey(run.dagId, run.runId);
    if (this.runsByKey.has(key)) throw new Error(`DAG '${run.dagId}' already has a run '${run.runId}'`);
    const adapter = new AtomicJsonFile<RunFile>(join(this.dir, "runs", encodeURIComponent(run.dagId), `${encodeURIComponent(run.runId)}.json`));
    const data: RunFile = { schemaVersion: SCHEMA_VERSION, run: { ...run }, taskInstances: Object.fromEntries(taskInstances.map((ti) => [ti.taskId, { ...ti }])), xcoms: [] };
    adapter.writeSync(data);
    this.runsByKey.set(key, { db: new Low(adapter, data), adapter });
    if (run.runType !== "manual") {
      const status = this.meta.data.statuses[run.dagId];
      const last = status?.lastAutomatedInterval;
      if (status && (!last || last.end <= run.dataIntervalEnd)) {
        status.lastAutomatedInterval = { start: run.dataIntervalStart, end: run.dataIntervalEnd };
        this.writeMeta();
      }
    }
    this.events.emit("change", { kind: "run", dagId: run.dagId, runId: run.runId });
  }

  private entry(dagId: string, runId: string): RunEntry {
    const entry = this.runsByKey.get(runKey(dagId, runId));
    if (!entry) throw new Error(`DAG '${dagId}' has no run '${runId}'`);
    return entry;
  }

  private writeRun(entry: RunEntry): void {
    this.requireWriter();
    entry.adapter.writeSync(entry.db.data);
  }

  async updateRun(dagId: string, runId: string, patch: Partial<DagRunRecord>): Promise<void> {
    const entry = this.entry(dagId, runId);
    Object.assign(entry.db.data.run, patch);
    this.writeRun(entry);
    this.events.emit("change", { kind: "run", dagId, runId });
  }

  getRun(dagId: string, runId: string): DagRunRecord | undefined {
    const run = this.runsByKey.get(runKey(dagId, runId))?.db.data.run;
    return run ? { ...run } : undefined;
  }

  activeRuns(): DagRunRecord[] {
    return [...this.runsByKey.values()]
      .map((entry) => entry.db.data.run)
      .filter((run) => run.state === "queued" || run.state === "running")
      .sort((a, b) => a.logicalDate.localeCompare(b.logicalDate))
      .map((run) => ({ ...run }));
  }

  allRuns(dagId?: string): DagRunRecord[] {
    const runs: DagRunRecord[] = [];
    for (const entry of this.runsByKey.values()) if (!dagId || entry.db.data.run.dagId === dagId) runs.push({ ...entry.db.data.run });
    return runs;
  }

  taskInstances(dagId: string, runId: string): TaskInstanceRecord[] {
    const entry = this.runsByKey.get(runKey(dagId, runId));
    return entry ? Object.values(entry.db.data.taskInstances).map((ti) => ({ ...ti })) : [];
  }

  async updateTaskInstances(dagId: string, runId: string, patches: ReadonlyArray<Partial<TaskInstanceRecord> & { taskId: string }>): Promise<void> {
    if (patches.length === 0) return;
    const entry = this.entry(dagId, runId);
    for (const patch of patches) {
      const ti = entry.db.data.taskInstances[patch.taskId];
      if (!ti) continue;
      for (const [key, value] of Object.entries(patch)) {
        if (value === undefined) delete (ti as unknown as Record<string, unknown>)[key];
        else (ti as unknown as Record<string, unknown>)[key] = value;
      }
    }
    this.writeRun(entry);
    this.events.emit("change", { kind: "task-instances", dagId, runId });
  }

  async addTaskInstances(dagId: string, runId: string, taskInstances: readonly TaskInstanceRecord[]): Promise<void> {
    const entry = this.entry(dagId, runId);
    for (const ti of taskInstances) entry.db.data.taskInstances[ti.taskId] = { ...ti };
    this.writeRun(entry);
  }

  xcoms(dagId: string, runId: string): XComRecord[] {
    return [...(this.runsByKey.get(runKey(dagId, runId))?.db.data.xcoms ?? [])];
  }

  async setXComs(dagId: string, runId: string, taskId: string, values: ReadonlyArray<{ key: string; value: unknown }>): Promise<void> {
    const entry = this.entry(dagId, runId);
    const keys = new Set(values.map((value) => value.key));
    entry.db.data.xcoms = [
      ...entry.db.data.xcoms.filter((xcom) => !(xcom.taskId === taskId && keys.has(xcom.key))),
      ...values.map((value) => ({ dagId, runId, taskId, key: value.key, value: value.value })),
    ];
    this.writeRun(entry);
  }

  async clearXComs(dagId: string, runId: string, taskId: string): Promise<void> {
    const entry = this.entry(dagId, runId);
    entry.db.data.xcoms = entry.db.data.xcoms.filter((xcom) => xcom.taskId !== taskId);
    this.writeRun(entry);
  }

  // Variables, connections, pools (shared.json)

  variables(): Record<string, string> {
    this.reloadShared(false);
    return Object.fromEntries(Object.entries(this.shared.variables).map(([key, variable]) => [key, this.openVariable(key, variable.value)]));
  }

  variableRecords(): VariableRecord[] {
    this.reloadShared(false);
    return Object.entries(this.shared.variables).map(([key, variable]) => ({ key, ...variable, value: this.openVariable(key, variable.value) }));
  }

  /** Secret-named Variables (db_password, api_token...) are sealed at rest like connection passwords. */
  private openVariable(key: string, stored: string): string {
    return isSensitiveName(key) ? this.box.open(stored) : stored;
  }

  connections(): Record<string, ConnectionRecord> {
    this.reloadShared(false);
    return Object.fromEntries(
      Object.entries(this.shared.connections).map(([id, connection]) => [id, { ...connection, password: connection.password ? this.box.open(connection.password) : undefined }]),
    );
  }

  poolSizes(): Map<string, number> {
    this.reloadShared(false);
    const pools = new Map(Object.values(this.shared.pools).map((pool) => [pool.name, pool.slots]));
    if (!pools.has(DEFAULT_POOL.name)) pools.set(DEFAULT_POOL.name, DEFAULT_POOL.slots);
    return pools;
  }

  poolRecords(): PoolRecord[] {
    this.reloadShared(false);
    return [this.shared.pools[DEFAULT_POOL.name] ?? DEFAULT_POOL, ...Object.values(this.shared.pools).filter((pool) => pool.name !== DEFAULT_POOL.name)];
  }

  /**
   * Changes shared.json under its own short lock, so the CLI can set Variables and
   * Connections while the scheduler runs (the scheduler re-reads the file when it changes).
   */
  async updateShared(change: (shared: SharedFile, seal: (plain: string) => string) => void): Promise<void> {
    const lockPath = join(this.dir, "shared.lock");
    let lock: { release(): void } | undefined;
    for (let attempt = 0; attempt < 50 && !lock; attempt += 1) {
      try {
        lock = acquireLock(lockPath, `${this.dir} (shared.json)`);
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    if (!lock) throw new Error(`${lockPath} stays locked; if no kitelab command is running, delete it`);
    try {
      this.reloadShared(true);
      change(this.shared, (plain) => this.box.seal(plain));
      for (const [key, variable] of Object.entries(this.shared.variables)) {
        if (isSensitiveName(key) && !SecretBox.isSealed(variable.value)) variable.value = this.box.seal(variable.value);
      }
      this.shared.schemaVersion = SCHEMA_VERSION;
      this.sharedFile.writeSync(this.shared);
      this.sharedMtime = statSync(this.sharedFile.path).mtimeMs;
    } finally {
      lock.release();
    }
    this.events.emit("change", { kind: "shared" });
  }
}

function emptyMeta(): MetaFile {
  return { schemaVersion: SCHEMA_VERSION, dags: {}, statuses: {}, importErrors: {} };
}

function emptyShared(): SharedFile {
  return { schemaVersion: SCHEMA_VERSION, variables: {}, connections: {}, pools: {} };
}

function runKey(dagId: string, runId: string): string {
  return `${dagId}\u0000${runId}`;
}
