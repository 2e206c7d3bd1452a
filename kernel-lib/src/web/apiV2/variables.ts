import type { Router } from "express";
import type { VariableRecord } from "../../records.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { collectionRouter } from "../rest/collection.js";
import { AIRFLOW3_LISTS } from "../rest/dialect.js";
import { updatedVariable, variableCollection, variableFieldsJson, variableFrom } from "../rest/variables.js";

/** `/variables` as Airflow 3 serves them: a creation answers 201, a duplicate 409. */
export function variablesRouterV2(context: AppContext): Router {
  return collectionRouter<VariableRecord>({
    ...variableCollection(context),
    notFound: (key) => new HttpError(404, `The Variable with key: \`${key}\` was not found`),
    exists: (key) => new HttpError(409, `The Variable with key: \`${key}\` already exists`),
    createdStatus: 201,
    list: {
      dialect: AIRFLOW3_LISTS,
      pattern: "variable_key_pattern",
      fallbackOrder: "id",
      orders: {
        key: (variable) => variable.key,
        id: (variable) => variable.key,
        description: (variable) => variable.description,
      },
    },
    created: (key, body) => variableFrom(key, body, anyValue),
    updated: (current, body, req) => updatedVariable(current, body, req, ["key", "value", "description"], anyValue),
    json: (variable) => ({ ...variableFieldsJson(variable), is_encrypted: false }),
  });
}

/** Airflow 3 takes any JSON value and stores its text: a string as it is, anything else as JSON. */
function anyValue(body: Record<string, unknown>): string {
  if (body.value === undefined)
    throw new HttpError(400, "`value` is required: send the Variable's value (a string or any JSON value).");
  return typeof body.value === "string" ? body.value : JSON.stringify(body.value);
}
