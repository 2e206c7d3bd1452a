import { getConnection, hookForConnection, type DbApiHook, type SqlValue } from "kitelab";

/** A row of a table: column name to value. */
export type TableRow = Record<string, SqlValue>;

/** A column of one of the lab's tables: TEXT or a floating-point number. */
export interface Column {
  name: string;
  type: "TEXT" | "DOUBLE PRECISION";
}

/** The lab's tables, dropped by lab4_clear_db. */
export const LAB_TABLES = ["penguins_raw", "penguins_train", "penguins_test", "scaler_stats", "model_metrics"] as const;

/**
 * The database a connection names, through the SQL hook for its type: SqliteHook (the
 * default: host = the database file), PostgresHook or MySqlHook. Only SQL that all three
 * understand is used here, so the DAGs run unchanged on any of them.
 */
export class LabDatabase {
  constructor(readonly hook: DbApiHook) {}

  /** The database behind a connection id, as a task sees it. */
  static fromConnection(connId: string): LabDatabase {
    return new LabDatabase(hookForConnection(getConnection(connId)));
  }

  /** Replaces the table with these rows, in the columns given. */
  async writeTable(name: string, columns: readonly Column[], rows: readonly TableRow[]): Promise<void> {
    await this.hook.run([`DROP TABLE IF EXISTS ${name}`, `CREATE TABLE ${name} (${columns.map((column) => `${column.name} ${column.type}`).join(", ")})`]);
    await this.hook.insertRows(
      name,
      rows.map((row) => columns.map((column) => row[column.name] ?? null)),
      columns.map((column) => column.name),
    );
  }

  /** The rows of a table, as objects with the given column names. */
  async readTable(name: string, columns: readonly string[]): Promise<TableRow[]> {
    const records = await this.hook.getRecords(`SELECT ${columns.join(", ")} FROM ${name}`);
    return records.map((values) => Object.fromEntries(columns.map((column, i) => [column, values[i] as SqlValue])));
  }

  /** Drops the lab's tables (those that exist). */
  async dropLabTables(): Promise<void> {
    await this.hook.run(LAB_TABLES.map((table) => `DROP TABLE IF EXISTS ${table}`));
  }
}
