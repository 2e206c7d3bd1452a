import type { Router } from "express";
import { MASK } from "../../util/secrets.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { CHANGEABLE, connectionFieldsJson, connectionsRouter, extraJson } from "../rest/connections.js";
import { AIRFLOW3_LISTS } from "../rest/dialect.js";

/** `/connections` and `/connections/test` as Airflow 3 serves them: a password that is set is answered as `***`. */
export function connectionsRouterV2(context: AppContext): Router {
  return connectionsRouter(context, {
    exists: (connId) => new HttpError(409, `The connection with connection_id: \`${connId}\` already exists.`),
    createdStatus: 201,
    list: {
      dialect: AIRFLOW3_LISTS,
      pattern: "connection_id_pattern",
      fallbackOrder: "id",
      orders: {
        connection_id: (connection) => connection.connId,
        id: (connection) => connection.connId,
        conn_type: (connection) => connection.connType,
        host: (connection) => connection.host,
        description: (connection) => connection.description,
      },
    },
    maskable: ["connection_id", ...CHANGEABLE],
    json: (connection) => ({
      ...connectionFieldsJson(connection),
      password: connection.password === undefined || connection.password === "" ? null : MASK,
      extra: extraJson(connection),
    }),
  });
}
