import type { KitelabConfig } from "../config/index.js";
import { FileStore } from "./fileStore.js";

export { FileStore, type OpenStoreOptions, type StoreChange } from "./fileStore.js";
export { StoreCore } from "./storeCore.js";
export { StoreLockedError } from "./lock.js";
export { SecretBox, ensureEncryptionKey } from "./secretBox.js";
export { SCHEMA_VERSION, migrate } from "./schema.js";

/** The scheduler's store for a configuration: `[database] store_path`, single writer. */
export async function openSchedulerStore(config: KitelabConfig): Promise<FileStore> {
  return FileStore.open(config.database.storePath, {
    writer: true,
    home: config.home,
    fernetKey: config.core.fernetKey,
  });
}

/** A reader of the store (CLI, web server alone): no lock; sees what the scheduler wrote. */
export function openStoreReader(config: KitelabConfig): FileStore {
  return FileStore.open(config.database.storePath, {
    writer: false,
    home: config.home,
    fernetKey: config.core.fernetKey,
  });
}
