import type { MetaChange, RunChange } from "./changes.js";
import type { MetaFile, RunFile } from "./schema.js";

/**
 * Where the store's core keeps its changes: the store's two-method adapter, grown to
 * changes. Each method is given the document already changed in memory and the change;
 * its promise resolves once the change is durable. Changes made in one turn of the event
 * loop are written together (group commit); `commit()` writes what is waiting now.
 */
export interface StorePersistence {
  createRun(file: RunFile): Promise<void>;
  recordRun(file: RunFile, change: RunChange): Promise<void>;
  recordMeta(file: MetaFile, change: MetaChange): Promise<void>;
  deleteRun(file: RunFile): Promise<void>;
  /** Makes every change recorded so far durable. */
  commit(): Promise<void>;
  close(): Promise<void>;
}

/** Keeps nothing: the data lives in the core's memory only (tests, `dag.test()`-like experiments). */
export class MemoryPersistence implements StorePersistence {
  async createRun(): Promise<void> {}
  async recordRun(): Promise<void> {}
  async recordMeta(): Promise<void> {}
  async deleteRun(): Promise<void> {}
  async commit(): Promise<void> {}
  async close(): Promise<void> {}
}
