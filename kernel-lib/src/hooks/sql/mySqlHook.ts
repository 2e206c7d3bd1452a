import type { FieldPacket, ResultSetHeader } from "mysql2";
import type { ConnectionRecord } from "../../records.js";
import { DbApiHook, type SqlParameters, type SqlSession } from "./dbApiHook.js";

export interface MySqlHookOptions {
  /** A connection of type mysql: host, port (3306), login, password, schema = the database. @default "mysql_default" */
  mysqlConnId?: string;
}

/**
 * Airflow's MySqlHook on `mysql2` (MySQL and MariaDB). The connection's schema is the database;
 * statements with parameters run as server-side prepared statements.
 * @example await new MySqlHook({ mysqlConnId: "lab4_db" }).getFirst("SELECT COUNT(*) FROM penguins_raw")
 */
export class MySqlHook extends DbApiHook {
  readonly databaseName = "MySQL";
  readonly connTypes = ["mysql"] as const;
  readonly connectionExample =
    "--conn-type mysql --conn-host 127.0.0.1 --conn-port 3306 --conn-login <user> --conn-password <password> --conn-schema <database>";

  constructor(options: MySqlHookOptions = {}) {
    super(options.mysqlConnId ?? "mysql_default", "mysqlConnId");
  }

  protected async withSession<T>(
    connection: ConnectionRecord,
    options: { write: boolean },
    work: (session: SqlSession) => Promise<T>,
  ): Promise<T> {
    const mysql = await import("mysql2/promise");
    const client = await mysql.createConnection({
      host: connection.host || "localhost",
      port: connection.port || 3306,
      user: connection.login,
      password: connection.password,
      database: connection.schema || undefined,
      connectTimeout: 30_000,
      multipleStatements: false,
    });
    try {
      if (options.write) await client.beginTransaction();
      const result = await work({
        query: async (sql, parameters) => {
          // rowsAsArray: two columns of the same name stay two values, as in the other hooks.
          const [answer, fields] =
            parameters.length > 0
              ? await client.execute({ sql, rowsAsArray: true }, toMySqlValues(parameters))
              : await client.query({ sql, rowsAsArray: true });
          if (Array.isArray(answer)) {
            const columns = ((fields ?? []) as FieldPacket[]).map((field) => field.name);
            const rows = answer as unknown as unknown[][];
            return { columns, rows, rowCount: rows.length, returnsRows: true };
          }
          return { columns: [], rows: [], rowCount: (answer as ResultSetHeader).affectedRows ?? 0, returnsRows: false };
        },
      });
      if (options.write) await client.commit();
      return result;
    } catch (error) {
      if (options.write) await client.rollback().catch(() => undefined);
      throw error;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

function toMySqlValues(parameters: SqlParameters): Array<string | number | null | Date | Buffer> {
  return parameters.map((value) => {
    if (typeof value === "boolean") return value ? 1 : 0;
    if (typeof value === "bigint") return value.toString();
    if (value instanceof Uint8Array) return Buffer.from(value);
    return value;
  });
}
