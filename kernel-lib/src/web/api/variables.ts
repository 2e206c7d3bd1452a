import type { Router } from "express";
import type { VariableRecord } from "../../records.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { collectionRouter } from "../rest/collection.js";
import { AIRFLOW2_LISTS } from "../rest/dialect.js";
import { updatedVariable, variableCollection, variableFieldsJson, variableFrom } from "../rest/variables.js";

/** `/variables` as Airflow 2 serves them: a creation replaces a Variable of the same key. */
export function variablesRouter(context: AppContext): Router {
  return collectionRouter<VariableRecord>({
    ...variableCollection(context),
    notFound: (key) => new HttpError(404, `Variable '${key}' does not exist.`, "Variable not found"),
    createdStatus: 200,
    list: {
      dialect: AIRFLOW2_LISTS,
      fallbackOrder: "key",
      orders: { key: (variable) => variable.key, id: (variable) => variable.key },
    },
    created: (key, body) => variableFrom(key, body, requiredValue),
    updated: (current, body, req) => updatedVariable(current, body, req, ["value", "description"], requiredValue),
    json: variableFieldsJson,
  });
}

/** Airflow 2 takes a Variable's value as a string. */
function requiredValue(body: Record<string, unknown>): string {
  if (typeof body.value !== "string")
    throw new HttpError(
      400,
      `\`value\` is required: send it as a string, got ${JSON.stringify(body.value) ?? "nothing"}.`,
    );
  return body.value;
}
