import { StoreError } from "../errors.js";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { ConnectionRecord, PoolRecord, VariableRecord } from "../records.js";
import { AtomicJsonFile } from "./atomicJsonFile.js";
import { FilePersistence } from "./filePersistence.js";
import { acquireLock, type LockOwner } from "./lock.js";
import { migrate, SCHEMA_VERSION, type SharedFile } from "./schema.js";
import { SecretBox } from "./secretBox.js";
import { StoreCore } from "./storeCore.js";
import type { DamagedStoreFile } from "./quarantine.js";
import { isSensitiveName, mapSecretNamedStrings } from "../util/secrets.js";

export type { StoreChange } from "./storeCore.js";

export interface OpenStoreOptions {
  /** Take the single-writer lock (the scheduler). Readers (web server, CLI) don't. */
  writer: boolean;
  /** `$KITELAB_HOME`, where the encryption key lives. */
  home: string;
  /** `[core] fernet_key`; empty to use (or generate) `$KITELAB_HOME/fernet_key`. */
  fernetKey?: string;
}

const DEFAULT_POOL: PoolRecord = { name: "default_pool", slots: 128, description: "Default pool" };

/**
 * The durable store: the store's core over files (see FilePersistence for the layout of
 * snapshots and journals), plus `shared.json`: Variables (secret-named ones encrypted),
 * Connections (passwords encrypted), pools. The CLI may write shared.json while a
 * scheduler runs (short lock `shared.lock`), and the scheduler re-reads it when it changes.
 */
export class FileStore extends StoreCore {
  private readonly files: FilePersistence;
  private readonly sharedFile: AtomicJsonFile<SharedFile>;
  private shared: SharedFile;
  private sharedMtime = 0;
  private readonly box: SecretBox;
  private releaseLock?: () => void;
  readonly lockTakenOverFrom?: LockOwner;

  private constructor(
    readonly dir: string,
    private readonly options: OpenStoreOptions,
  ) {
    const box = SecretBox.forHome(options.home, options.fernetKey);
    const files = new FilePersistence(dir, options.writer, box);
    super(files);
    this.files = files;
    mkdirSync(join(dir, "runs"), { recursive: true });
    if (options.writer) {
      const lock = acquireLock(join(dir, "scheduler.lock"), dir);
      this.releaseLock = lock.release;
      this.lockTakenOverFrom = lock.tookOverFrom;
    }
    this.box = box;
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
    const { meta, runs } = this.files.load();
    this.adopt(meta, runs);
    this.reloadShared(true);
  }

  /** Run files that could not be read, set aside in `quarantine/` (or skipped by a reader), with how to restore each. */
  damagedFiles(): DamagedStoreFile[] {
    return this.files.damagedFiles();
  }

  /** Re-reads files other processes may have written (readers call this before answering). */
  refresh(): void {
    if (!this.options.writer) this.load();
    else this.reloadShared(false);
  }

  /** Writes what is pending, folds the journals into their snapshots, releases the lock. */
  async close(): Promise<void> {
    try {
      await this.files.close();
    } finally {
      this.releaseLock?.();
      this.releaseLock = undefined;
    }
  }

  /**
   * Re-reads shared.json if another process changed it, without blocking the event loop
   * (the scheduler, before it hands Variables and Connections to tasks).
   */
  async refreshShared(): Promise<void> {
    const mtime = await stat(this.sharedFile.path).then(
      (stats) => stats.mtimeMs,
      () => 0,
    );
    if (mtime !== this.sharedMtime) this.reloadShared(true);
  }

  private reloadShared(force: boolean): void {
    const mtime = existsSync(this.sharedFile.path) ? statSync(this.sharedFile.path).mtimeMs : 0;
    if (!force && mtime === this.sharedMtime) return;
    const raw = this.sharedFile.readSync();
    this.shared = raw
      ? migrate<SharedFile>(raw as unknown as Record<string, unknown>, this.sharedFile.path, "shared")
      : emptyShared();
    this.sharedMtime = mtime;
  }

  /** Readers see other processes' changes at once; the writer re-reads in refreshShared(), off its hot path. */
  private currentShared(): SharedFile {
    if (!this.options.writer) this.reloadShared(false);
    return this.shared;
  }

  // Variables, connections, pools (shared.json)

  variables(): Record<string, string> {
    return Object.fromEntries(
      Object.entries(this.currentShared().variables).map(([key, variable]) => [
        key,
        this.openVariable(key, variable.value),
      ]),
    );
  }

  variableRecords(): VariableRecord[] {
    return Object.entries(this.currentShared().variables).map(([key, variable]) => ({
      key,
      ...variable,
      value: this.openVariable(key, variable.value),
    }));
  }

  /** Secret-named Variables (db_password, api_token...) are sealed at rest like connection passwords. */
  private openVariable(key: string, stored: string): string {
    return isSensitiveName(key) ? this.box.open(stored) : stored;
  }

  connections(): Record<string, ConnectionRecord> {
    return Object.fromEntries(
      Object.entries(this.currentShared().connections).map(([id, connection]) => [
        id,
        {
          ...connection,
          password: connection.password ? this.box.open(connection.password) : undefined,
          ...(connection.extra ? { extra: this.openExtra(connection.extra) } : {}),
        },
      ]),
    );
  }

  /** Secret-named extras (`api_key`, `password`...) are sealed at rest; an older, plaintext one reads as it is. */
  private openExtra(extra: Record<string, unknown>): Record<string, unknown> {
    return mapSecretNamedStrings(extra, (value) => this.box.open(value));
  }

  poolSizes(): Map<string, number> {
    const pools = new Map(Object.values(this.currentShared().pools).map((pool) => [pool.name, pool.slots]));
    if (!pools.has(DEFAULT_POOL.name)) pools.set(DEFAULT_POOL.name, DEFAULT_POOL.slots);
    return pools;
  }

  poolRecords(): PoolRecord[] {
    const pools = this.currentShared().pools;
    return [
      pools[DEFAULT_POOL.name] ?? DEFAULT_POOL,
      ...Object.values(pools).filter((pool) => pool.name !== DEFAULT_POOL.name),
    ];
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
    if (!lock) throw new StoreError(`${lockPath} stays locked; if no kitelab command is running, delete it`);
    try {
      this.reloadShared(true);
      change(this.shared, (plain) => this.box.seal(plain));
      for (const [key, variable] of Object.entries(this.shared.variables)) {
        if (isSensitiveName(key) && !SecretBox.isSealed(variable.value)) variable.value = this.box.seal(variable.value);
      }
      for (const connection of Object.values(this.shared.connections)) {
        if (connection.extra)
          connection.extra = mapSecretNamedStrings(connection.extra, (value) =>
            SecretBox.isSealed(value) ? value : this.box.seal(value),
          );
      }
      this.shared.schemaVersion = SCHEMA_VERSION;
      this.sharedFile.writeSync(this.shared);
      this.sharedMtime = statSync(this.sharedFile.path).mtimeMs;
    } catch (error) {
      // The change was not written: forget it, so what is read is what is on disk.
      this.reloadShared(true);
      throw error;
    } finally {
      lock.release();
    }
    this.events.emit("change", { kind: "shared" });
  }
}

function emptyShared(): SharedFile {
  return { schemaVersion: SCHEMA_VERSION, variables: {}, connections: {}, pools: {} };
}
