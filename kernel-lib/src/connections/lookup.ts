import { ValidationError } from "../errors.js";
import type { ConnectionRecord } from "../records.js";
import { currentContextOrUndefined } from "../runtime/currentContext.js";
import { connectionEnvName, connectionFromEnvironment } from "./environment.js";
import { connectionFromStore } from "./storeLookup.js";

/** The part of a task's context the lookups need. */
export interface LookupContext {
  connections: { get(connId: string): ConnectionRecord | undefined };
  variables: { get(key: string): string | undefined };
}

/**
 * A connection by id, looked up as Airflow does: the environment variable `AIRFLOW_CONN_<ID>`
 * (JSON or URI) first, then the connections of the scheduler's store (the task's context).
 * Throws a ValidationError that says how to define it when neither has it.
 * @param example The options of `kitelab connections add` to show in that message.
 * @example const connection = requireConnection(context, "lab4_db", "--conn-type sqlite --conn-host /path/to/lab4.db");
 */
export function requireConnection(
  context: LookupContext | undefined,
  connId: string,
  example = "--conn-type <type> --conn-host <host>",
): ConnectionRecord {
  const found = connectionFromEnvironment(connId) ?? context?.connections.get(connId);
  if (found) return found;
  throw new ValidationError(
    `No connection '${connId}'. Define it with \`kitelab connections add ${connId} ${example}\`, or set the environment variable ${connectionEnvName(connId)} to its JSON or URI`,
  );
}

/**
 * A connection by id (Airflow's `BaseHook.get_connection`): what hooks use, so a DAG names only
 * the connection id. In a task: `AIRFLOW_CONN_<ID>`, then the connections the scheduler handed
 * the task. Outside a task (a notebook cell): `AIRFLOW_CONN_<ID>`, then the store of the
 * configured Kitelab home.
 * @example const aws = getConnection("aws_default");
 */
export function getConnection(connId: string, example?: string): ConnectionRecord {
  const context = currentContextOrUndefined() ?? {
    connections: { get: connectionFromStore },
    variables: { get: () => undefined },
  };
  return requireConnection(context, connId, example);
}

/** A variable by key: from the context, else from `AIRFLOW_VAR_<KEY>`. Throws when neither has it. */
export function requireVariable(context: LookupContext, key: string): string {
  const name = `AIRFLOW_VAR_${key.toUpperCase()}`;
  const found = context.variables.get(key) ?? process.env[name];
  if (found !== undefined) return found;
  throw new ValidationError(
    `No variable '${key}'. Set it with \`kitelab variables set ${key} <value>\`, or set the environment variable ${name}`,
  );
}
