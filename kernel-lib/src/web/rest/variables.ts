import type { Request } from "express";
import type { VariableRecord } from "../../records.js";
import { isSensitiveName, MASK } from "../../util/secrets.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { optionalString, updateMask } from "./request.js";

/**
 * Variables as both API versions keep them: the records in the shared settings, the values
 * of secret-named ones (`db_password`, `api_token`...) answered as `***` (as Airflow 3's API
 * and Airflow 2's UI show them); they are still set in full.
 */
export function variableCollection(context: AppContext) {
  const shared = context.deps.shared;
  return {
    path: "/variables",
    pathName: "variable key",
    keyField: "key",
    listField: "variables",
    records: () => shared.variables(),
    keyOf: (variable: VariableRecord) => variable.key,
    save: (variable: VariableRecord) => shared.setVariable(variable),
    remove: (key: string) => shared.deleteVariable(key),
  };
}

/** How a version reads a Variable's value from a body. */
export type ValueReader = (body: Record<string, unknown>) => string;

export function variableFrom(key: string, body: Record<string, unknown>, readValue: ValueReader): VariableRecord {
  return { key, value: readValue(body), description: optionalString(body, "description") };
}

/** The Variable a PATCH describes: `key` may only repeat the path's, `update_mask` names the fields. */
export function updatedVariable(
  current: VariableRecord,
  body: Record<string, unknown>,
  req: Request,
  maskable: readonly string[],
  readValue: ValueReader,
): VariableRecord {
  if (body.key !== undefined && body.key !== current.key) {
    throw new HttpError(
      400,
      `The body's \`key\` (${JSON.stringify(body.key)}) must match the path's ('${current.key}'); a Variable cannot be renamed.`,
    );
  }
  const fields = updateMask(req, body, maskable);
  return {
    key: current.key,
    value: fields.includes("value") ? readValue(body) : current.value,
    description: fields.includes("description") ? optionalString(body, "description") : current.description,
  };
}

/** The fields both versions answer. */
export function variableFieldsJson(variable: VariableRecord) {
  return {
    key: variable.key,
    value: isSensitiveName(variable.key) ? MASK : variable.value,
    description: variable.description ?? null,
  };
}
