import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { ValidationError } from "../../errors.js";
import type { ConnectionRecord } from "../../records.js";
import { DbApiHook, type QueryResult, type SqlParameters, type SqlSession } from "./dbApiHook.js";

export interface SqliteHookOptions {
  /** A connection of type sqlite whose host is the database file. @default "sqlite_default" */
  sqliteConnId?: string;
}

type SqlJs = Awaited<ReturnType<typeof import("sql.js")["default"]>>;
type SqlJsDatabase = InstanceType<SqlJs["Database"]>;
let sqlJs: Promise<SqlJs> | undefined;

/** Writes to one file, one after the other, within this process. */
const fileQueues = new Map<string, Promise<unknown>>();

/**
 * Airflow's SqliteHook: the connection's host is the database file (created when missing). Runs
 * on sql.js (SQLite compiled to WebAssembly, no native build): each call reads the file and a
 * call that writes replaces it atomically, so any SQLite tool can open it between tasks.
 * @example await new SqliteHook({ sqliteConnId: "lab4_db" }).getRecords("SELECT COUNT(*) FROM penguins_raw")
 */
export class SqliteHook extends DbApiHook {
  readonly databaseName = "SQLite";
  readonly connTypes = ["sqlite"] as const;
  readonly connectionExample = "--conn-type sqlite --conn-host /path/to/database.db";

  constructor(options: SqliteHookOptions = {}) {
    super(options.sqliteConnId ?? "sqlite_default", "sqliteConnId");
  }

  /** The database file the connection names (host, or an absolute schema as in a sqlite:////path URI). */
  databaseFile(connection: ConnectionRecord = this.connection()): string {
    const named = connection.host || (connection.schema?.startsWith("/") ? connection.schema : undefined);
    if (!named)
      throw new ValidationError(
        `Connection '${this.connId}' has no host; for sqlite the host is the database file, such as ~/kitelab/labs/lab4/penguins.db`,
      );
    const file = named.startsWith("~/") ? join(homedir(), named.slice(2)) : named;
    if (!isAbsolute(file))
      throw new ValidationError(
        `Expected the host of connection '${this.connId}' to be an absolute path to the database file, got "${named}"`,
      );
    return file;
  }

  protected async withSession<T>(
    connection: ConnectionRecord,
    options: { write: boolean },
    work: (session: SqlSession) => Promise<T>,
  ): Promise<T> {
    const file = this.databaseFile(connection);
    const previous = fileQueues.get(file) ?? Promise.resolve();
    const turn = previous.catch(() => undefined).then(() => this.session(file, options, work));
    fileQueues.set(file, turn);
    try {
      return await turn;
    } finally {
      if (fileQueues.get(file) === turn) fileQueues.delete(file);
    }
  }

  private async session<T>(
    file: string,
    options: { write: boolean },
    work: (session: SqlSession) => Promise<T>,
  ): Promise<T> {
    const SQL = await (sqlJs ??= import("sql.js").then((module) => module.default()));
    const data = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    const db = new SQL.Database(data ? new Uint8Array(data) : undefined);
    try {
      const result = await work({ query: async (sql, parameters) => runStatement(db, sql, parameters) });
      if (options.write) {
        await mkdir(dirname(file), { recursive: true });
        const temporary = `${file}.${process.pid}.tmp`;
        await writeFile(temporary, db.export());
        await rename(temporary, file);
      }
      return result;
    } finally {
      db.close();
    }
  }
}

function runStatement(db: SqlJsDatabase, sql: string, parameters: SqlParameters): QueryResult {
  const statement = db.prepare(sql);
  try {
    statement.bind(parameters.map(toSqliteValue));
    const rows: unknown[][] = [];
    while (statement.step()) rows.push(statement.get());
    const columns = statement.getColumnNames();
    const returnsRows = columns.length > 0;
    return { columns, rows, rowCount: returnsRows ? rows.length : db.getRowsModified(), returnsRows };
  } finally {
    statement.free();
  }
}

function toSqliteValue(value: SqlParameters[number]): string | number | null | Uint8Array {
  if (value === null || typeof value === "string" || typeof value === "number" || value instanceof Uint8Array)
    return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "bigint") return Number(value);
  return value.toISOString();
}
