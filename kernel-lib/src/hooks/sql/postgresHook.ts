import type { ConnectionRecord } from "../../records.js";
import { DbApiHook, type SqlSession } from "./dbApiHook.js";
import { toNumberedPlaceholders } from "./placeholders.js";

export interface PostgresHookOptions {
  /** A connection of type postgres: host, port (5432), login, password, schema = the database. @default "postgres_default" */
  postgresConnId?: string;
}

/**
 * Airflow's PostgresHook on node-postgres (`pg`). The connection's schema is the database name,
 * as in Airflow; `?` placeholders are sent as Postgres's `$1, $2, ...`.
 * @example await new PostgresHook({ postgresConnId: "lab4_db" }).run("DELETE FROM penguins_raw WHERE island = ?", ["Dream"])
 */
export class PostgresHook extends DbApiHook {
  readonly databaseName = "Postgres";
  readonly connTypes = ["postgres"] as const;
  readonly connectionExample =
    "--conn-type postgres --conn-host 127.0.0.1 --conn-port 5432 --conn-login <user> --conn-password <password> --conn-schema <database>";

  constructor(options: PostgresHookOptions = {}) {
    super(options.postgresConnId ?? "postgres_default", "postgresConnId");
  }

  protected async withSession<T>(
    connection: ConnectionRecord,
    options: { write: boolean },
    work: (session: SqlSession) => Promise<T>,
  ): Promise<T> {
    const { default: pg } = await import("pg");
    const client = new pg.Client({
      host: connection.host || "localhost",
      port: connection.port || 5432,
      user: connection.login,
      password: connection.password,
      database:
        typeof connection.extra?.database === "string" ? connection.extra.database : connection.schema || undefined,
      connectionTimeoutMillis: 30_000,
    });
    // A server that drops the connection later emits 'error' on the client; the query that is waiting reports it.
    client.on("error", () => undefined);
    await client.connect();
    try {
      if (options.write) await client.query("BEGIN");
      const result = await work({
        query: async (sql, parameters) => {
          const answer = await client.query({
            text: parameters.length > 0 ? toNumberedPlaceholders(sql) : sql,
            values: [...parameters],
            rowMode: "array",
          });
          const columns = (answer.fields ?? []).map((field) => field.name);
          const returnsRows = columns.length > 0;
          return {
            columns,
            rows: answer.rows as unknown[][],
            rowCount: returnsRows ? answer.rows.length : (answer.rowCount ?? 0),
            returnsRows,
          };
        },
      });
      if (options.write) await client.query("COMMIT");
      return result;
    } catch (error) {
      if (options.write) await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
