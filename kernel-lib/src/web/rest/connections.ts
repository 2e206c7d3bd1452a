import { stat } from "node:fs/promises";
import { connect } from "node:net";
import express, { type Request, type Router } from "express";
import type { ConnectionRecord } from "../../records.js";
import { isSensitiveName, MASK } from "../../util/secrets.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { type CollectionApi, collectionRouter } from "./collection.js";
import { integerOf, objectBody, optionalString, updateMask } from "./request.js";

export const CHANGEABLE = ["conn_type", "description", "host", "login", "schema", "port", "password", "extra"] as const;

/** Ports used when a connection names a host but no port. */
const DEFAULT_PORTS: Record<string, number> = {
  postgres: 5432,
  mysql: 3306,
  redis: 6379,
  smtp: 25,
  http: 80,
  https: 443,
  s3: 443,
  aws: 443,
};

/**
 * Connections as both API versions keep them: the records in the shared settings, read from
 * a body field by field, answered with secret-named keys of `extra` as `***`; a password is
 * never answered in clear.
 */
function connectionCollection(context: AppContext) {
  const shared = context.deps.shared;
  return {
    path: "/connections",
    pathName: "connection id",
    keyField: "connection_id",
    listField: "connections",
    records: () => shared.connections(),
    keyOf: (connection: ConnectionRecord) => connection.connId,
    notFound: (connId: string) =>
      new HttpError(404, `The Connection with connection_id: \`${connId}\` was not found`, "Connection not found"),
    created: (connId: string, body: Record<string, unknown>) =>
      connectionFrom(connId, body, [...CHANGEABLE], undefined),
    save: (connection: ConnectionRecord) => shared.setConnection(connection),
    remove: (connId: string) => shared.deleteConnection(connId),
  };
}

/** The connection a PATCH describes: `connection_id` may only repeat the path's, `update_mask` names the fields. */
function updatedConnection(
  current: ConnectionRecord,
  body: Record<string, unknown>,
  req: Request,
  maskable: readonly string[],
): ConnectionRecord {
  if (body.connection_id !== undefined && body.connection_id !== current.connId) {
    throw new HttpError(
      400,
      `The body's \`connection_id\` (${JSON.stringify(body.connection_id)}) must match the path's ('${current.connId}').`,
    );
  }
  const fields = updateMask(req, body, maskable).filter((field) => field !== "connection_id");
  return connectionFrom(current.connId, body, fields, current);
}

/** What a version gives of its `/connections`: its messages, list, shapes and the fields an `update_mask` may name. */
export type ConnectionVersion = Pick<
  CollectionApi<ConnectionRecord>,
  "exists" | "createdStatus" | "list" | "json" | "listJson"
> & { maskable: readonly string[] };

/** `/connections` and `POST /connections/test` (Kitelab's test of a connection a body describes, saved nowhere). */
export function connectionsRouter(context: AppContext, version: ConnectionVersion): Router {
  const router = express.Router();
  router.post("/connections/test", async (req, res) => {
    const body = objectBody(req);
    const connection = connectionFrom(
      optionalString(body, "connection_id") ?? "test",
      body,
      [...CHANGEABLE],
      undefined,
    );
    res.json(await testConnection(connection));
  });
  router.use(
    collectionRouter<ConnectionRecord>({
      ...connectionCollection(context),
      ...version,
      updated: (current, body, req) => updatedConnection(current, body, req, version.maskable),
    }),
  );
  return router;
}

/** The fields both versions answer for every connection. */
export function connectionFieldsJson(connection: ConnectionRecord) {
  return {
    connection_id: connection.connId,
    conn_type: connection.connType,
    description: connection.description ?? null,
    host: connection.host ?? null,
    login: connection.login ?? null,
    schema: connection.schema ?? null,
    port: connection.port ?? null,
  };
}

/** `extra` as Airflow answers it: a JSON string, secret-named keys as `***`. */
export function extraJson(connection: ConnectionRecord): string | null {
  return connection.extra === undefined ? null : JSON.stringify(redact(connection.extra));
}

/** A connection from an API body: `fields` are taken from it, the others kept from `current`. */
export function connectionFrom(
  connId: string,
  body: Record<string, unknown>,
  fields: readonly string[],
  current: ConnectionRecord | undefined,
): ConnectionRecord {
  const take = <T>(field: string, read: () => T, kept: T): T => (fields.includes(field) ? read() : kept);
  const connType = take("conn_type", () => optionalString(body, "conn_type"), current?.connType);
  if (connType === undefined || connType === "")
    throw new HttpError(400, '`conn_type` is required: send it as a string such as "postgres", "fs" or "http".');
  return {
    connId,
    connType,
    description: take("description", () => optionalString(body, "description"), current?.description),
    host: take("host", () => optionalString(body, "host"), current?.host),
    login: take("login", () => optionalString(body, "login"), current?.login),
    schema: take("schema", () => optionalString(body, "schema"), current?.schema),
    port: take("port", () => integerOf(body, "port"), current?.port),
    password: take("password", () => optionalString(body, "password"), current?.password),
    extra: take("extra", () => extraOf(body.extra), current?.extra),
  };
}

/** Airflow sends `extra` as a JSON string holding an object. */
function extraOf(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  let parsed: unknown = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new HttpError(
        400,
        `Expected \`extra\` to be a JSON object in a string, such as "{\\"root\\": \\"/tmp/bucket\\"}", got ${JSON.stringify(value)}.`,
      );
    }
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, `Expected \`extra\` to be a JSON object, got ${JSON.stringify(value)}.`);
  }
  return parsed as Record<string, unknown>;
}

/** Airflow's `redact`: the values of secret-named keys, at any depth, become `***`. */
export function redact(value: unknown, key = ""): unknown {
  if (isSensitiveName(key) && value !== null && value !== undefined && value !== "") return MASK;
  if (Array.isArray(value)) return value.map((item) => redact(item));
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, redact(inner, name)]));
  return value;
}

/**
 * Kitelab's connection test: an `fs` connection's root must be a folder; a connection with a
 * host must accept a TCP connection on its port within 3 s.
 */
export async function testConnection(connection: ConnectionRecord): Promise<{ status: boolean; message: string }> {
  if (connection.connType === "fs") {
    const root = connection.extra?.root;
    if (typeof root !== "string")
      return { status: false, message: 'An fs connection needs extra {"root": "/path/to/folder"}.' };
    const info = await stat(root).catch(() => undefined);
    return info?.isDirectory()
      ? { status: true, message: `Folder ${root} exists.` }
      : { status: false, message: `Folder ${root} does not exist.` };
  }
  if (!connection.host)
    return {
      status: false,
      message: `Kitelab tests a \`${connection.connType}\` connection by reaching its host; this one has no host.`,
    };
  const port = connection.port ?? DEFAULT_PORTS[connection.connType];
  if (port === undefined)
    return { status: false, message: `Give a port: Kitelab knows no default port for \`${connection.connType}\`.` };
  const host = connection.host;
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 3000 });
    const finish = (result: { status: boolean; message: string }) => {
      socket.destroy();
      resolve(result);
    };
    socket.once("connect", () =>
      finish({ status: true, message: `Connection successfully tested: ${host}:${port} accepts connections.` }),
    );
    socket.once("timeout", () => finish({ status: false, message: `${host}:${port} did not answer within 3 s.` }));
    socket.once("error", (error) =>
      finish({ status: false, message: `${host}:${port} cannot be reached: ${error.message}` }),
    );
  });
}
