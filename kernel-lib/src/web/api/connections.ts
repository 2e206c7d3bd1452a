import express, { type Router } from "express";
import type { ConnectionRecord } from "../../records.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { collectionRouter } from "../rest/collection.js";
import {
  CHANGEABLE,
  connectionCollection,
  connectionFieldsJson,
  connectionTestRouter,
  extraJson,
  updatedConnection,
} from "../rest/connections.js";
import { AIRFLOW2_LISTS } from "../rest/dialect.js";

/**
 * `/connections` and `/connections/test` as Airflow 2 serves them: a password is never
 * answered (write-only), and a list leaves out `extra`.
 */
export function connectionsRouter(context: AppContext): Router {
  const router = express.Router();
  router.use(
    collectionRouter<ConnectionRecord>({
      ...connectionCollection(context),
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
      updated: (current, body, req) => updatedConnection(current, body, req, CHANGEABLE),
      json: (connection) => ({ ...connectionFieldsJson(connection), extra: extraJson(connection) }),
      listJson: (connections) => connections.map(connectionFieldsJson),
    }),
  );
  router.use(connectionTestRouter());
  return router;
}
