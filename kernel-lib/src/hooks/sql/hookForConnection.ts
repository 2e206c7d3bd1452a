import { ValidationError } from "../../errors.js";
import type { ConnectionRecord } from "../../records.js";
import type { DbApiHook } from "./dbApiHook.js";
import { MySqlHook } from "./mySqlHook.js";
import { PostgresHook } from "./postgresHook.js";
import { SqliteHook } from "./sqliteHook.js";

const HOOKS: Record<string, (connId: string) => DbApiHook> = {
  sqlite: (connId) => new SqliteHook({ sqliteConnId: connId }),
  postgres: (connId) => new PostgresHook({ postgresConnId: connId }),
  mysql: (connId) => new MySqlHook({ mysqlConnId: connId }),
};

/**
 * The SQL hook for a connection's type (Airflow's `Connection.get_hook()`), so a DAG that names only
 * the connection runs on SQLite, Postgres or MySQL alike.
 * @example const db = hookForConnection(getConnection("lab4_db"));
 */
export function hookForConnection(connection: ConnectionRecord): DbApiHook {
  const make = HOOKS[connection.connType];
  if (make === undefined) {
    throw new ValidationError(
      `Connection '${connection.connId}' has conn type "${connection.connType}", which no SQL hook reads; expected one of ${Object.keys(HOOKS).join(", ")}`,
    );
  }
  return make(connection.connId);
}
