import { ValidationError, describeValue, KitelabError } from "../../errors.js";
import { getConnection } from "../../connections/lookup.js";
import type { ConnectionRecord } from "../../records.js";
import { createMasker } from "../../util/secrets.js";

/** A value a query parameter may hold. */
export type SqlValue = string | number | boolean | bigint | null | Date | Uint8Array;
export type SqlParameters = readonly SqlValue[];

/** What one statement returned. */
export interface QueryResult {
  /** Column names, for statements that return rows. */
  columns: string[];
  rows: unknown[][];
  /** Rows returned, or changed by an INSERT/UPDATE/DELETE. */
  rowCount: number;
  /** False for statements such as CREATE or INSERT that return no rows. */
  returnsRows: boolean;
}

/** One open database connection, for the length of one hook call. */
export interface SqlSession {
  /** Runs one statement with `?` placeholders. */
  query(sql: string, parameters: SqlParameters): Promise<QueryResult>;
}

/** A database call that failed; names the connection and never holds its password. */
export class SqlHookError extends KitelabError {
  override name = "SqlHookError";
  constructor(
    message: string,
    /** The driver's error code (`28P01`, `ER_ACCESS_DENIED_ERROR`, `ECONNREFUSED`, ...). */
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface InsertRowsOptions {
  /** Rows per INSERT statement (and per transaction). @default 1000 */
  commitEvery?: number;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/**
 * What SqliteHook, PostgresHook and MySqlHook share (Airflow's DbApiHook): the same methods, and
 * `?` as the placeholder for every database, so a DAG runs unchanged on another database by
 * changing only its connection. Parameters always travel apart from the SQL text.
 */
export abstract class DbApiHook {
  /** The connection id this hook reads. */
  readonly connId: string;
  /** "SQLite", "Postgres", "MySQL": for messages. */
  abstract readonly databaseName: string;
  /** The conn types this hook accepts (the first is the one to suggest). */
  abstract readonly connTypes: readonly string[];
  /** `kitelab connections add` options to suggest when the connection is missing. */
  abstract readonly connectionExample: string;

  constructor(connId: string, optionName: string) {
    if (typeof connId !== "string" || connId === "")
      throw new ValidationError(`Expected \`${optionName}\` to be a connection id, got ${describeValue(connId)}`);
    this.connId = connId;
  }

  /** Every row the query returns, each row an array of column values (Airflow's list of tuples). */
  async getRecords(sql: string, parameters: SqlParameters = []): Promise<unknown[][]> {
    return (await this.execute(sql, parameters, { write: false })).at(-1)?.rows ?? [];
  }

  /** The first row the query returns, or undefined when it returns none. */
  async getFirst(sql: string, parameters: SqlParameters = []): Promise<unknown[] | undefined> {
    return (await this.getRecords(sql, parameters))[0];
  }

  /**
   * Runs one statement, or several in order, in one transaction; the parameters go with each.
   * @returns what each statement returned
   */
  async run(sql: string | readonly string[], parameters: SqlParameters = []): Promise<QueryResult[]> {
    return this.execute(sql, parameters, { write: true });
  }

  /**
   * Inserts rows (arrays of values in `targetFields` order) with parameterized multi-row INSERTs,
   * `commitEvery` rows per transaction.
   * @returns the number of rows inserted
   */
  async insertRows(
    table: string,
    rows: readonly (readonly SqlValue[])[],
    targetFields?: readonly string[],
    options: InsertRowsOptions = {},
  ): Promise<number> {
    if (!IDENTIFIER.test(table))
      throw new ValidationError(
        `Expected a table name of letters, digits and _ (optionally schema.table), got ${describeValue(table)}`,
      );
    for (const field of targetFields ?? []) {
      if (!IDENTIFIER.test(field))
        throw new ValidationError(`Expected target field names of letters, digits and _, got ${describeValue(field)}`);
    }
    const width = targetFields?.length ?? rows[0]?.length ?? 0;
    rows.forEach((row, index) => {
      if (!Array.isArray(row) || row.length !== width) {
        throw new ValidationError(
          `Expected every row to be an array of ${width} values${targetFields ? ` (${targetFields.join(", ")})` : ""}; row ${index} is ${describeValue(row)}`,
        );
      }
    });
    const commitEvery = options.commitEvery ?? 1000;
    if (!Number.isInteger(commitEvery) || commitEvery < 1)
      throw new ValidationError(`Expected \`commitEvery\` to be a positive integer, got ${describeValue(commitEvery)}`);
    const columns = targetFields ? ` (${targetFields.join(", ")})` : "";
    const tuple = `(${Array.from({ length: width }, () => "?").join(", ")})`;
    let inserted = 0;
    for (let start = 0; start < rows.length; start += commitEvery) {
      const batch = rows.slice(start, start + commitEvery);
      await this.execute(`INSERT INTO ${table}${columns} VALUES ${batch.map(() => tuple).join(", ")}`, batch.flat(), {
        write: true,
      });
      inserted += batch.length;
    }
    return inserted;
  }

  /** Runs statements in one session (one transaction when writing); errors come back without the password. */
  async execute(
    sql: string | readonly string[],
    parameters: SqlParameters,
    options: { write: boolean },
  ): Promise<QueryResult[]> {
    const statements = typeof sql === "string" ? [sql] : [...sql];
    if (
      statements.length === 0 ||
      statements.some((statement) => typeof statement !== "string" || statement.trim() === "")
    ) {
      throw new ValidationError(`Expected SQL text (or a list of statements), got ${describeValue(sql)}`);
    }
    if (!Array.isArray(parameters))
      throw new ValidationError(
        `Expected the parameters to be an array of values for the ? placeholders, got ${describeValue(parameters)}`,
      );
    const connection = this.connection();
    try {
      return await this.withSession(connection, options, async (session) => {
        const results: QueryResult[] = [];
        for (const statement of statements) results.push(await session.query(statement, parameters));
        return results;
      });
    } catch (error) {
      if (error instanceof ValidationError) throw error;
      throw this.describeError(error, connection);
    }
  }

  /** The hook's connection, checked to be of a type this hook reads. */
  connection(): ConnectionRecord {
    const connection = getConnection(this.connId, this.connectionExample);
    if (!this.connTypes.includes(connection.connType)) {
      throw new ValidationError(
        `${this.constructor.name} expected connection '${this.connId}' to have conn type "${this.connTypes[0]}", got ${describeValue(connection.connType)}; ` +
          `use the hook for that database, or redefine the connection: kitelab connections add ${this.connId} ${this.connectionExample}`,
      );
    }
    return connection;
  }

  /** Opens a connection, runs `work`, commits (or rolls back when `work` throws) and closes. */
  protected abstract withSession<T>(
    connection: ConnectionRecord,
    options: { write: boolean },
    work: (session: SqlSession) => Promise<T>,
  ): Promise<T>;

  /** Where the connection points, without the password. */
  protected describeConnection(connection: ConnectionRecord): string {
    return `${connection.login ? `${connection.login}@` : ""}${connection.host ?? "localhost"}${connection.port ? `:${connection.port}` : ""}/${connection.schema ?? ""}`;
  }

  private describeError(error: unknown, connection: ConnectionRecord): SqlHookError {
    const mask = createMasker([connection.password ?? ""]);
    const code = (error as { code?: unknown }).code;
    const authFailed = code === "28P01" || code === "ER_ACCESS_DENIED_ERROR" || code === "ER_DBACCESS_DENIED_ERROR";
    const unreachable =
      code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "ETIMEDOUT" || code === "EHOSTUNREACH";
    const hint = authFailed
      ? ` Check the login and password of connection '${this.connId}'.`
      : unreachable
        ? ` Is the ${this.databaseName} server running? Check the host and port of connection '${this.connId}'.`
        : "";
    const message = `${this.databaseName} connection '${this.connId}' (${this.describeConnection(connection)}): ${(error as Error).message ?? String(error)}.${hint}`;
    // The driver's own error may quote the password (a DSN in a message, say): it is not kept as the cause.
    return new SqlHookError(mask(message), typeof code === "string" ? code : undefined);
  }
}
