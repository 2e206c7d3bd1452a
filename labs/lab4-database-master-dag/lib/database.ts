import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { ConnectionRecord } from "kitelab";

/** A row of a table: column name to value. */
export type TableRow = Record<string, string | number | null>;

/**
 * The little the lab needs from a database: whole tables in and out. Two implementations:
 * SQLite (sql.js, a real .db file any SQLite tool opens) and, where sql.js is not
 * installed, a JSON file with the same behaviour.
 */
export interface LabDatabase {
  /** "sqlite" or "json": which engine holds the data. */
  readonly engine: "sqlite" | "json";
  /** The file the data lives in. */
  readonly file: string;
  listTables(): Promise<string[]>;
  /** Replaces the table with these rows (columns from the rows). */
  writeTable(name: string, rows: readonly TableRow[]): Promise<void>;
  readTable(name: string): Promise<TableRow[]>;
  /** Drops every table; returns their names. */
  dropAll(): Promise<string[]>;
}

/**
 * Opens the database a connection names: conn type `sqlite`, `host` the database file.
 * (login, password, port and schema are what a Postgres or MySQL connection would use;
 * SQLite needs only the file.)
 */
export async function openDatabase(connection: ConnectionRecord): Promise<LabDatabase> {
  if (connection.connType !== "sqlite") {
    throw new Error(`Expected connection '${connection.connId}' to have conn type "sqlite", got "${connection.connType}"`);
  }
  if (!connection.host) {
    throw new Error(`Connection '${connection.connId}' has no host; for sqlite the host is the database file, such as ~/kitelab/labs/lab4/penguins.db`);
  }
  await mkdir(dirname(connection.host), { recursive: true });
  const sqlJs = await loadSqlJs();
  return sqlJs ? SqliteDatabase.open(connection.host, sqlJs) : new JsonDatabase(`${connection.host}.json`);
}

function checkTableName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`Expected a table name of letters, digits and _, got "${name}"`);
  return name;
}

/** A JSON file `{ "tables": { name: rows } }`, written atomically. */
class JsonDatabase implements LabDatabase {
  readonly engine = "json";
  constructor(readonly file: string) {}

  private async load(): Promise<Record<string, TableRow[]>> {
    try {
      return (JSON.parse(await readFile(this.file, "utf8")) as { tables: Record<string, TableRow[]> }).tables;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw error;
    }
  }

  private async save(tables: Record<string, TableRow[]>): Promise<void> {
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify({ tables }));
    await rename(temporary, this.file);
  }

  async listTables(): Promise<string[]> {
    return Object.keys(await this.load()).sort();
  }

  async writeTable(name: string, rows: readonly TableRow[]): Promise<void> {
    const tables = await this.load();
    tables[checkTableName(name)] = rows.map((row) => ({ ...row }));
    await this.save(tables);
  }

  async readTable(name: string): Promise<TableRow[]> {
    const rows = (await this.load())[checkTableName(name)];
    if (!rows) throw new Error(`no such table: ${name}`);
    return rows;
  }

  async dropAll(): Promise<string[]> {
    const names = await this.listTables();
    await this.save({});
    return names;
  }
}

/** The parts of sql.js this file uses. */
interface SqlJsStatic {
  Database: new (data?: Uint8Array) => SqlJsDatabase;
}
interface SqlJsDatabase {
  run(sql: string, params?: Array<string | number | null>): void;
  exec(sql: string): Array<{ columns: string[]; values: Array<Array<string | number | null>> }>;
  export(): Uint8Array;
  close(): void;
}

async function loadSqlJs(): Promise<SqlJsStatic | undefined> {
  const name = "sql.js";
  try {
    const module = (await import(name)) as { default: (config?: object) => Promise<SqlJsStatic> };
    return await module.default();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND") return undefined;
    throw error;
  }
}

/** A real SQLite file through sql.js: each call opens the file, works, and writes it back. */
class SqliteDatabase implements LabDatabase {
  readonly engine = "sqlite";
  private constructor(
    readonly file: string,
    private readonly sql: SqlJsStatic,
  ) {}

  static async open(file: string, sql: SqlJsStatic): Promise<SqliteDatabase> {
    return new SqliteDatabase(file, sql);
  }

  private async withDb<T>(work: (db: SqlJsDatabase) => T, save: boolean): Promise<T> {
    const data = await readFile(this.file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    const db = new this.sql.Database(data ? new Uint8Array(data) : undefined);
    try {
      const result = work(db);
      if (save) {
        const temporary = `${this.file}.${process.pid}.tmp`;
        await writeFile(temporary, db.export());
        await rename(temporary, this.file);
      }
      return result;
    } finally {
      db.close();
    }
  }

  async listTables(): Promise<string[]> {
    return this.withDb((db) => {
      const result = db.exec("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
      return (result[0]?.values ?? []).map((row) => String(row[0]));
    }, false);
  }

  async writeTable(name: string, rows: readonly TableRow[]): Promise<void> {
    const table = checkTableName(name);
    const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
    await this.withDb((db) => {
      db.run(`DROP TABLE IF EXISTS "${table}"`);
      if (columns.length === 0) return;
      // A column of numbers is REAL, of strings TEXT; a mixed one (numbers and "NA", say) gets no
      // type, so SQLite keeps each value as it came instead of turning the numbers into text.
      const typeOf = (column: string) => {
        const values = rows.map((row) => row[column]).filter((value) => value !== null && value !== undefined);
        if (values.every((value) => typeof value === "number")) return " REAL";
        if (values.every((value) => typeof value === "string")) return " TEXT";
        return "";
      };
      db.run(`CREATE TABLE "${table}" (${columns.map((column) => `"${column.replaceAll('"', '""')}"${typeOf(column)}`).join(", ")})`);
      db.run("BEGIN");
      const placeholders = columns.map(() => "?").join(", ");
      for (const row of rows) db.run(`INSERT INTO "${table}" VALUES (${placeholders})`, columns.map((column) => row[column] ?? null));
      db.run("COMMIT");
    }, true);
  }

  async readTable(name: string): Promise<TableRow[]> {
    const table = checkTableName(name);
    return this.withDb((db) => {
      const result = db.exec(`SELECT * FROM "${table}"`)[0];
      if (!result) return [];
      return result.values.map((values) => Object.fromEntries(result.columns.map((column, i) => [column, values[i] ?? null])));
    }, false);
  }

  async dropAll(): Promise<string[]> {
    const names = await this.listTables();
    await this.withDb((db) => {
      for (const name of names) db.run(`DROP TABLE "${checkTableName(name)}"`);
    }, true);
    return names;
  }
}
