import express, { type Router } from "express";
import type { ConnectionRecord, PoolRecord, VariableRecord } from "../../records.js";
import { isSensitiveName, MASK } from "../../util/secrets.js";
import { CHANGEABLE, connectionFrom, redact, testConnection } from "../api/connections.js";
import { control } from "../api/lookups.js";
import { DEFAULT_POOL, poolUsage, requiredSlots, type Usage } from "../api/pools.js";
import {
  objectBody,
  optionalString,
  pageOf,
  requiredString,
  sortedBy,
  stringQuery,
  updateMask,
} from "../api/request.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { checkPathParam } from "../security.js";
import { likeMatch } from "./dags.js";
import { RuleRefusal } from "./errors.js";
import { orderByV2, paginationV2 } from "./request.js";

/**
 * Variables, Connections and pools as Airflow 3 serves them: creation answers 201, a
 * duplicate 409, secrets masked (a connection's password is answered as `***` when set).
 */
export function sharedRouterV2(context: AppContext): Router {
  const shared = context.deps.shared;
  const router = express.Router();

  const requireVariable = (param: unknown): VariableRecord => {
    const key = checkPathParam("variable key", param);
    const variable = shared.variables().find((candidate) => candidate.key === key);
    if (!variable) throw new HttpError(404, `The Variable with key: \`${key}\` was not found`);
    return variable;
  };

  router.get("/variables", (req, res) => {
    const pattern = stringQuery(req, "variable_key_pattern");
    const variables = sortedBy(
      shared.variables().filter((variable) => pattern === undefined || likeMatch(variable.key, pattern)),
      orderByV2(req),
      "id",
      { key: (variable) => variable.key, id: (variable) => variable.key, description: (v) => v.description },
    );
    const { items, total_entries } = pageOf(variables, paginationV2(req));
    res.json({ variables: items.map(variableJson), total_entries });
  });

  router.get("/variables/:key", (req, res) => {
    res.json(variableJson(requireVariable(req.params.key)));
  });

  router.post("/variables", async (req, res) => {
    const body = objectBody(req);
    const key = checkPathParam("key", requiredString(body, "key"));
    if (shared.variables().some((variable) => variable.key === key)) {
      throw new HttpError(409, `The Variable with key: \`${key}\` already exists`);
    }
    const variable = { key, value: variableValue(body), description: optionalString(body, "description") };
    await control(() => shared.setVariable(variable));
    res.status(201).json(variableJson(variable));
  });

  router.patch("/variables/:key", async (req, res) => {
    const current = requireVariable(req.params.key);
    const body = objectBody(req);
    if (body.key !== undefined && body.key !== current.key) {
      throw new HttpError(
        400,
        `The body's \`key\` (${JSON.stringify(body.key)}) must match the path's ('${current.key}'); a Variable cannot be renamed.`,
      );
    }
    const fields = updateMask(req, body, ["key", "value", "description"]);
    const updated: VariableRecord = {
      key: current.key,
      value: fields.includes("value") ? variableValue(body) : current.value,
      description: fields.includes("description") ? optionalString(body, "description") : current.description,
    };
    await control(() => shared.setVariable(updated));
    res.json(variableJson(updated));
  });

  router.delete("/variables/:key", async (req, res) => {
    const variable = requireVariable(req.params.key);
    await control(() => shared.deleteVariable(variable.key));
    res.status(204).end();
  });

  const requireConnection = (param: unknown): ConnectionRecord => {
    const connId = checkPathParam("connection id", param);
    const connection = shared.connections().find((candidate) => candidate.connId === connId);
    if (!connection) throw new HttpError(404, `The Connection with connection_id: \`${connId}\` was not found`);
    return connection;
  };

  router.get("/connections", (req, res) => {
    const pattern = stringQuery(req, "connection_id_pattern");
    const connections = sortedBy(
      shared.connections().filter((connection) => pattern === undefined || likeMatch(connection.connId, pattern)),
      orderByV2(req),
      "id",
      {
        connection_id: (connection) => connection.connId,
        id: (connection) => connection.connId,
        conn_type: (connection) => connection.connType,
        host: (connection) => connection.host,
        description: (connection) => connection.description,
      },
    );
    const { items, total_entries } = pageOf(connections, paginationV2(req));
    res.json({ connections: items.map(connectionJson), total_entries });
  });

  router.get("/connections/:connId", (req, res) => {
    res.json(connectionJson(requireConnection(req.params.connId)));
  });

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

  router.post("/connections", async (req, res) => {
    const body = objectBody(req);
    const connId = checkPathParam("connection_id", requiredString(body, "connection_id"));
    if (shared.connections().some((connection) => connection.connId === connId)) {
      throw new HttpError(409, `The connection with connection_id: \`${connId}\` already exists.`);
    }
    const connection = connectionFrom(connId, body, [...CHANGEABLE], undefined);
    await control(() => shared.setConnection(connection));
    res.status(201).json(connectionJson(connection));
  });

  router.patch("/connections/:connId", async (req, res) => {
    const current = requireConnection(req.params.connId);
    const body = objectBody(req);
    if (body.connection_id !== undefined && body.connection_id !== current.connId) {
      throw new HttpError(
        400,
        `The body's \`connection_id\` (${JSON.stringify(body.connection_id)}) must match the path's ('${current.connId}').`,
      );
    }
    const fields = updateMask(req, body, ["connection_id", ...CHANGEABLE]).filter((field) => field !== "connection_id");
    const updated = connectionFrom(current.connId, body, fields, current);
    await control(() => shared.setConnection(updated));
    res.json(connectionJson(updated));
  });

  router.delete("/connections/:connId", async (req, res) => {
    const connection = requireConnection(req.params.connId);
    await control(() => shared.deleteConnection(connection.connId));
    res.status(204).end();
  });

  const requirePool = (param: unknown): PoolRecord => {
    const name = checkPathParam("pool name", param);
    const pool = shared.pools().find((candidate) => candidate.name === name);
    if (!pool) throw new HttpError(404, `The Pool with name: \`${name}\` was not found`);
    return pool;
  };

  router.get("/pools", (req, res) => {
    const pattern = stringQuery(req, "pool_name_pattern");
    const pools = sortedBy(
      shared.pools().filter((pool) => pattern === undefined || likeMatch(pool.name, pattern)),
      orderByV2(req),
      "id",
      {
        id: (pool) => (pool.name === DEFAULT_POOL ? "" : pool.name),
        pool: (pool) => pool.name,
        name: (pool) => pool.name,
        slots: (pool) => pool.slots,
      },
    );
    const { items, total_entries } = pageOf(pools, paginationV2(req));
    const usage = poolUsage(context);
    res.json({ pools: items.map((pool) => poolJson(pool, usage.get(pool.name))), total_entries });
  });

  router.get("/pools/:name", (req, res) => {
    const pool = requirePool(req.params.name);
    res.json(poolJson(pool, poolUsage(context).get(pool.name)));
  });

  router.post("/pools", async (req, res) => {
    const body = objectBody(req);
    const name = checkPathParam("name", requiredString(body, "name"));
    if (shared.pools().some((pool) => pool.name === name)) {
      throw new HttpError(409, `The Pool with name: \`${name}\` already exists`);
    }
    noDeferred(body);
    const pool: PoolRecord = { name, slots: requiredSlots(body), description: optionalString(body, "description") };
    await control(() => shared.setPool(pool));
    res.status(201).json(poolJson(pool, undefined));
  });

  router.patch("/pools/:name", async (req, res) => {
    const current = requirePool(req.params.name);
    const body = objectBody(req);
    const fields = updateMask(req, body, ["pool", "name", "slots", "description", "include_deferred"]);
    const renamed = [body.pool, body.name].find((name) => name !== undefined && name !== null && name !== current.name);
    if (renamed !== undefined) {
      throw new HttpError(
        400,
        `Pools cannot be renamed: the body names ${JSON.stringify(renamed)}, the path '${current.name}'.`,
      );
    }
    noDeferred(body);
    const updated: PoolRecord = {
      name: current.name,
      slots: fields.includes("slots") ? requiredSlots(body) : current.slots,
      description: fields.includes("description") ? optionalString(body, "description") : current.description,
    };
    await control(() => shared.setPool(updated));
    res.json(poolJson(updated, poolUsage(context).get(updated.name)));
  });

  router.delete("/pools/:name", async (req, res) => {
    const pool = requirePool(req.params.name);
    if (pool.name === DEFAULT_POOL) throw new RuleRefusal("Default Pool can't be deleted");
    await control(() => shared.deletePool(pool.name));
    res.status(204).end();
  });

  return router;
}

/** Airflow 3 takes any JSON value and stores its text: a string as it is, anything else as JSON. */
function variableValue(body: Record<string, unknown>): string {
  if (body.value === undefined)
    throw new HttpError(400, "`value` is required: send the Variable's value (a string or any JSON value).");
  return typeof body.value === "string" ? body.value : JSON.stringify(body.value);
}

function noDeferred(body: Record<string, unknown>): void {
  if (body.include_deferred === true)
    throw new HttpError(400, "Kitelab has no deferred tasks: `include_deferred` can only be false.");
}

function variableJson(variable: VariableRecord) {
  return {
    key: variable.key,
    value: isSensitiveName(variable.key) ? MASK : variable.value,
    description: variable.description ?? null,
    is_encrypted: false,
  };
}

function connectionJson(connection: ConnectionRecord) {
  return {
    connection_id: connection.connId,
    conn_type: connection.connType,
    description: connection.description ?? null,
    host: connection.host ?? null,
    login: connection.login ?? null,
    schema: connection.schema ?? null,
    port: connection.port ?? null,
    password: connection.password === undefined || connection.password === "" ? null : MASK,
    extra: connection.extra === undefined ? null : JSON.stringify(redact(connection.extra)),
  };
}

function poolJson(pool: PoolRecord, usage: Usage | undefined) {
  const { running, queued, scheduled } = usage ?? { running: 0, queued: 0, scheduled: 0 };
  return {
    name: pool.name,
    slots: pool.slots,
    description: pool.description ?? null,
    include_deferred: false,
    occupied_slots: running + queued,
    running_slots: running,
    queued_slots: queued,
    scheduled_slots: scheduled,
    open_slots: Math.max(0, pool.slots - running - queued),
    deferred_slots: 0,
  };
}
