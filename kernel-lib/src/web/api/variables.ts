import express, { type Router } from "express";
import type { VariableRecord } from "../../records.js";
import { isSensitiveName, MASK } from "../../util/secrets.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../problems.js";
import { checkPathParam } from "../security.js";
import { control } from "./lookups.js";
import {
  objectBody,
  optionalString,
  pageOf,
  pagination,
  requiredString,
  sortedBy,
  stringQuery,
  updateMask,
} from "./request.js";

/**
 * `/variables` CRUD. Values of secret-named Variables (`db_password`, `api_token`...) are
 * answered as `***`, as Airflow 3's API and Airflow 2's UI show them; they are still set in full.
 */
export function variablesRouter(context: AppContext): Router {
  const shared = context.deps.shared;
  const router = express.Router();

  const requireVariable = (param: unknown): VariableRecord => {
    const key = checkPathParam("variable key", param);
    const variable = shared.variables().find((candidate) => candidate.key === key);
    if (!variable) throw new HttpError(404, `Variable '${key}' does not exist.`, "Variable not found");
    return variable;
  };

  router.get("/variables", (req, res) => {
    const variables = sortedBy(shared.variables(), stringQuery(req, "order_by"), "key", {
      key: (variable) => variable.key,
      id: (variable) => variable.key,
    });
    const { items, total_entries } = pageOf(variables, pagination(req));
    res.json({ variables: items.map(variableJson), total_entries });
  });

  router.get("/variables/:key", (req, res) => {
    res.json(variableJson(requireVariable(req.params.key)));
  });

  router.post("/variables", async (req, res) => {
    const body = objectBody(req);
    const variable = {
      key: checkPathParam("key", requiredString(body, "key")),
      value: requiredValue(body),
      description: optionalString(body, "description"),
    };
    await control(() => shared.setVariable(variable));
    res.json(variableJson(variable));
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
    const fields = updateMask(req, body, ["value", "description"]);
    const updated: VariableRecord = {
      key: current.key,
      value: fields.includes("value") ? requiredValue(body) : current.value,
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

  return router;
}

export function requiredValue(body: Record<string, unknown>): string {
  if (typeof body.value !== "string")
    throw new HttpError(
      400,
      `\`value\` is required: send it as a string, got ${JSON.stringify(body.value) ?? "nothing"}.`,
    );
  return body.value;
}

function variableJson(variable: VariableRecord) {
  return {
    key: variable.key,
    value: isSensitiveName(variable.key) ? MASK : variable.value,
    description: variable.description ?? null,
  };
}
