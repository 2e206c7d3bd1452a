import type { ConnectionRecord, PoolRecord, VariableRecord } from "../records.js";
import type { SharedSettings } from "../web/ports.js";
import type { FileStore } from "./fileStore.js";

/**
 * The API's view of shared.json: reads decrypt, writes go through the store's short
 * `shared.lock` (like the CLI's), so a running scheduler sees them on its next read.
 */
export function fileSharedSettings(store: FileStore): SharedSettings {
  const remove = (table: "variables" | "connections" | "pools", key: string) => async () => {
    let found = false;
    await store.updateShared((shared) => {
      found = Object.hasOwn(shared[table], key);
      delete shared[table][key];
    });
    return found;
  };
  return {
    variables: (): VariableRecord[] => store.variableRecords(),
    setVariable: (variable) =>
      store.updateShared((shared) => {
        shared.variables[variable.key] = {
          value: variable.value,
          ...(variable.description === undefined ? {} : { description: variable.description }),
        };
      }),
    deleteVariable: (key) => remove("variables", key)(),
    connections: (): ConnectionRecord[] => Object.values(store.connections()),
    setConnection: (connection) =>
      store.updateShared((shared, seal) => {
        shared.connections[connection.connId] = {
          ...connection,
          password: connection.password ? seal(connection.password) : undefined,
        };
      }),
    deleteConnection: (connId) => remove("connections", connId)(),
    pools: (): PoolRecord[] => store.poolRecords(),
    setPool: (pool) =>
      store.updateShared((shared) => {
        shared.pools[pool.name] = pool;
      }),
    deletePool: (name) => remove("pools", name)(),
  };
}
