import { ValidationError } from "../errors.js";
import type { ConnectionRecord } from "../records.js";
import { parseConnectionUri } from "./uri.js";

/** `AIRFLOW_CONN_<ID>`: the environment variable Airflow reads a connection from. */
export function connectionEnvName(connId: string): string {
  return `AIRFLOW_CONN_${connId.toUpperCase()}`;
}

/**
 * Reads `AIRFLOW_CONN_<ID>` as Airflow does: JSON (`{"conn_type": "aws", "login": ..., "extra": {...}}`,
 * Airflow's snake_case keys, camelCase accepted) or a URI (`aws://KEY:SECRET@/?region_name=us-east-1`).
 * Undefined when the variable is not set.
 */
export function connectionFromEnvironment(
  connId: string,
  env: NodeJS.ProcessEnv = process.env,
): ConnectionRecord | undefined {
  const name = connectionEnvName(connId);
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return undefined;
  if (!raw.startsWith("{")) {
    try {
      return parseConnectionUri(connId, raw);
    } catch (error) {
      throw new ValidationError(`${name} holds neither JSON nor a connection URI: ${(error as Error).message}`);
    }
  }
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw new ValidationError(
      `Expected ${name} to hold JSON such as {"conn_type": "aws", "login": "KEY", "password": "SECRET", "extra": {"region_name": "us-east-1"}}; it starts with "{" but is not valid JSON`,
    );
  }
  const pick = (snake: string, camel: string) => data[snake] ?? data[camel];
  return {
    connId,
    connType: String(pick("conn_type", "connType") ?? ""),
    host: optionalString(pick("host", "host")),
    schema: optionalString(pick("schema", "schema")),
    login: optionalString(pick("login", "login")),
    password: optionalString(pick("password", "password")),
    port:
      pick("port", "port") === undefined || pick("port", "port") === null ? undefined : Number(pick("port", "port")),
    extra: extraOf(name, pick("extra", "extra")),
    description: optionalString(pick("description", "description")),
  };
}

function extraOf(name: string, extra: unknown): Record<string, unknown> | undefined {
  if (extra === undefined || extra === null || extra === "") return undefined;
  let value: unknown = extra;
  if (typeof extra === "string") {
    try {
      value = JSON.parse(extra) as unknown;
    } catch {
      value = undefined;
    }
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new ValidationError(
    `Expected "extra" in ${name} to be a JSON object such as {"region_name": "us-east-1"}, got ${JSON.stringify(extra)}`,
  );
}

function optionalString(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}
