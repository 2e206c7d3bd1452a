import type { Router } from "express";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import {
  CHANGEABLE,
  connectionFieldsJson,
  connectionsRouter as sharedConnectionsRouter,
  extraJson,
} from "../rest/connections.js";
import { AIRFLOW2_LISTS } from "../rest/dialect.js";

/**
 * `/connections` and `/connections/test` as Airflow 2 serves them: a password is never
 * answered (write-only), and a list leaves out `extra`.
 */
export function connectionsRouter(context: AppContext): Router {
  return sharedConnectionsRouter(context, {
    exists: (connId) => new HttpError(409, `Connection already exist. ID: ${connId}`),
    createdStatus: 200,
    list: {
      dialect: AIRFLOW2_LISTS,
      fallbackOrder: "connection_id",
      orders: {
        connection_id: (connection) => connection.connId,
        id: (connection) => connection.connId,
        conn_type: (connection) => connection.connType,
      },
    },
    maskable: CHANGEABLE,
    json: (connection) => ({ ...connectionFieldsJson(connection), extra: extraJson(connection) }),
    listJson: (connections) => connections.map(connectionFieldsJson),
  });
}
