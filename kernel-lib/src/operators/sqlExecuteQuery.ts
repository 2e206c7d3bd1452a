import { ValidationError, describeValue } from "../errors.js";
import { BaseOperator, type BaseOperatorOptions } from "../dag/baseOperator.js";
import type { TaskContext } from "../dag/context.js";
import { getConnection } from "../connections/lookup.js";
import type { DbApiHook, SqlParameters } from "../hooks/sql/dbApiHook.js";
import { hookForConnection } from "../hooks/sql/hookForConnection.js";

export interface SQLExecuteQueryOperatorOptions extends BaseOperatorOptions {
  /** The database connection (sqlite, postgres or mysql); the hook follows its conn type. */
  connId: string;
  /** One statement or several, run in order in one transaction. Templated: `{{ ds }}` works. */
  sql: string | string[];
  /** Values for the `?` placeholders (never pasted into the SQL text). @default [] */
  parameters?: SqlParameters;
}

/**
 * Airflow's SQLExecuteQueryOperator: runs SQL on the database a connection names and pushes what the
 * last statement returned (its rows, as arrays) to XCom.
 * @example new SQLExecuteQueryOperator({ dag, taskId: "count", connId: "lab4_db", sql: "SELECT COUNT(*) FROM penguins_raw WHERE loaded_on = '{{ ds }}'" })
 */
export class SQLExecuteQueryOperator extends BaseOperator {
  readonly operatorName = "SQLExecuteQueryOperator";
  override readonly templateFields = ["sql"] as const;
  readonly connId: string;
  readonly sql: string | string[];
  readonly parameters: SqlParameters;

  constructor(options: SQLExecuteQueryOperatorOptions) {
    const { connId, sql, parameters, ...rest } = options;
    super(rest);
    if (typeof connId !== "string" || connId === "")
      throw new ValidationError(
        `SQLExecuteQueryOperator '${rest.taskId}': expected \`connId\` to be a connection id, got ${describeValue(connId)}`,
      );
    const statements = typeof sql === "string" ? [sql] : sql;
    if (
      !Array.isArray(statements) ||
      statements.length === 0 ||
      statements.some((statement) => typeof statement !== "string" || statement.trim() === "")
    ) {
      throw new ValidationError(
        `SQLExecuteQueryOperator '${rest.taskId}': expected \`sql\` to be SQL text or a list of statements, got ${describeValue(sql)}`,
      );
    }
    this.connId = connId;
    this.sql = sql;
    this.parameters = parameters ?? [];
  }

  /** The hook for the connection's type (SqliteHook, PostgresHook or MySqlHook). */
  getDbHook(): DbApiHook {
    return hookForConnection(getConnection(this.connId));
  }

  async execute(context: TaskContext): Promise<unknown[][] | undefined> {
    const hook = this.getDbHook();
    const statements = typeof this.sql === "string" ? [this.sql] : this.sql;
    for (const statement of statements)
      context.log.info(`Running on ${this.connId} (${hook.databaseName}): ${statement}`);
    const results = await hook.run(statements, this.parameters);
    const last = results.at(-1)!;
    context.log.info(last.returnsRows ? `${last.rowCount} row(s) returned` : `${last.rowCount} row(s) affected`);
    return last.returnsRows ? last.rows : undefined;
  }
}
