import { ValidationError } from "../errors.js";
import type { ConnectionRecord } from "../records.js";

/** The part of a task's context the lookups need. */
export interface LookupContext {
  connections: { get(connId: string): ConnectionRecord | undefined };
  variables: { get(key: string): string | undefined };
}

/**
 * A connection by id: from the task's context (the scheduler's store), else from the
 * environment variable `AIRFLOW_CONN_<ID>` holding JSON, as Airflow reads it:
 * `AIRFLOW_CONN_STORE_DEFAULT='{"conn_type": "fs", "extra": {"root": "/tmp/bucket"}}'`.
 * Throws a ValidationError that says how to define it when neither has it.
 */
export function requireConnection(context: LookupContext, connId: string, example = "--conn-type fs"): ConnectionRecord {
  const found = context.connections.get(connId) ?? connectionFromEnvironment(connId);
  if (found) return found;
  throw new ValidationError(
    `No connection '${connId}'. Define it with \`kitelab connections add ${connId} ${example}\`, or set the environment variable ${envName("CONN", connId)} to its JSON`,
  );
}

/** A variable by key: from the context, else from `AIRFLOW_VAR_<KEY>`. Throws when neither has it. */
export function requireVariable(context: LookupContext, key: string): string {
  const found = context.variables.get(key) ?? process.env[envName("VAR", key)];
  if (found !== undefined) return found;
  throw new ValidationError(`No variable '${key}'. Set it with \`kitelab variables set ${key} <value>\`, or set the environment variable ${envName("VAR", key)}`);
}

/** Reads `AIRFLOW_CONN_<ID>` (JSON with Airflow's snake_case keys, or camelCase). */
export function connectionFromEnvironment(connId: string, env: NodeJS.ProcessEnv = process.env): ConnectionRecord | undefined {
  const name = envName("CONN", connId);
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw new ValidationError(`Expected ${name} to hold JSON such as {"conn_type": "fs", "extra": {"root": "/tmp/bucket"}}, got ${JSON.stringify(raw.slice(0, 40))}`);
  }
  const pick = (snake: string, camel: string) => data[snake] ?? data[camel];
  const extra = pick("extra", "extra");
  return {
    connId,
    connType: String(pick("conn_type", "connType") ?? ""),
    host: optionalString(pick("host", "host")),
    schema: optionalString(pick("schema", "schema")),
    login: optionalString(pick("login", "login")),
    password: optionalString(pick("password", "password")),
    port: pick("port", "port") === undefined ? undefined : Number(pick("port", "port")),
    extra: typeof extra === "string" ? (JSON.parse(extra) as Record<string, unknown>) : (extra as Record<string, unknown> | undefined),
  };
}

function envName(kind: "CONN" | "VAR", id: string): string {
  return `AIRFLOW_${kind}_${id.toUpperCase()}`;
}

function optionalString(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}
