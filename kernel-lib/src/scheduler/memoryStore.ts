import type { ConnectionRecord } from "../records.js";
import { StoreCore } from "../persistence/storeCore.js";
import { MemoryPersistence } from "../persistence/storePersistence.js";

/**
 * The store's core with nothing on disk: for scenario tests of the scheduler and quick
 * experiments. The same code as the file store, so the two cannot drift; Variables,
 * Connections and pools are plain fields a test sets.
 */
export class MemorySchedulerStore extends StoreCore {
  vars: Record<string, string> = {};
  conns: Record<string, ConnectionRecord> = {};
  pools = new Map<string, number>([["default_pool", 128]]);

  constructor() {
    super(new MemoryPersistence());
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
}
