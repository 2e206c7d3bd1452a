import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import addFormats from "ajv-formats";
import { OpenAPIBackend, ValidationContext, type Document } from "openapi-backend";
import { parse } from "yaml";

/** Airflow 2.10.5's OpenAPI document, vendored with its license beside it. */
export const AIRFLOW_V1_SPEC = fileURLToPath(new URL("../fixtures/airflow-openapi/v1.yaml", import.meta.url));
/** Airflow 3.1.3's public REST API (`/api/v2`), from `apache-airflow-core==3.1.3`. */
export const AIRFLOW_V2_SPEC = fileURLToPath(
  new URL("../fixtures/airflow-openapi/v2-rest-api-generated.yaml", import.meta.url),
);
/** Airflow 3.1.3's `POST /auth/token` (its simple auth manager). */
export const AIRFLOW_V2_AUTH_SPEC = fileURLToPath(
  new URL("../fixtures/airflow-openapi/v2-simple-auth-manager-generated.yaml", import.meta.url),
);

export interface ContractOptions {
  /**
   * How errors are checked: `problem`, Airflow 2's rule (every error is its `Error` problem
   * object, whatever the status); `documented`, Airflow 3's (the status must be one the
   * operation documents, and the body its schema).
   * @default "problem"
   */
  errors?: "problem" | "documented";
  /** Prepended to an exchange's path to find its operation (Airflow 3's document names full paths). @default "" */
  pathPrefix?: string;
}

/** One answer of the API, as a contract test checks it. */
export interface Exchange {
  method: string;
  /** The path below `/api/v1`, without the query. */
  path: string;
  status: number;
  contentType: string;
  body: unknown;
}

export interface Verdict {
  operationId?: string;
  errors: string[];
}

/**
 * Validates responses against Airflow's OpenAPI document with openapi-backend (ajv). Two
 * liberties of Airflow's document are read as its authors (and its generated clients) meant
 * them: `nullable: true` beside a `$ref` or without a `type` allows null, so does a nullable
 * `enum` without null in it (Airflow answers `"status": null` for a triggerer it lacks), and
 * its `datetime` format is `date-time`.
 */
export async function airflowContract(
  specPath = AIRFLOW_V1_SPEC,
  options: ContractOptions = {},
): Promise<(exchange: Exchange) => Verdict> {
  const errorRule = options.errors ?? "problem";
  const prefix = options.pathPrefix ?? "";
  const document = normalize(parse(readFileSync(specPath, "utf8"))) as Document;
  const api = new OpenAPIBackend({
    definition: document,
    quick: true,
    validate: true,
    strict: false,
    customizeAjv: (ajv) => {
      addFormats.default(ajv);
      ajv.addFormat("datetime", ajv.formats["date-time"] as never);
      ajv.addFormat("path", true);
      return ajv;
    },
  });
  await api.init();
  const problemSchema = (document.components as { schemas: Record<string, object> }).schemas.Error;
  const validateProblem =
    problemSchema === undefined ? undefined : api.validator.getAjv(ValidationContext.Response).compile(problemSchema);

  return (exchange) => {
    const operation = api.matchOperation({
      method: exchange.method.toLowerCase(),
      path: prefix + exchange.path,
      headers: {},
    });
    if (!operation) return { errors: [`Airflow's API has no ${exchange.method} ${exchange.path}`] };
    const errors: string[] = [];
    const documented = operation.responses?.[String(exchange.status)] as
      | { content?: Record<string, unknown> }
      | undefined;
    if (exchange.status >= 400 && errorRule === "problem" && validateProblem) {
      if (!/json/.test(exchange.contentType))
        errors.push(`an error must be a JSON problem, got ${exchange.contentType}`);
      if (!validateProblem(exchange.body))
        errors.push(...(validateProblem.errors ?? []).map((error) => `problem${error.instancePath} ${error.message}`));
      return { operationId: operation.operationId, errors };
    }
    if (!documented)
      return {
        operationId: operation.operationId,
        errors: [`status ${exchange.status} is not documented for ${operation.operationId}`],
      };
    if (documented.content === undefined) {
      if (exchange.body !== undefined && exchange.body !== "")
        errors.push(`status ${exchange.status} has no body in the spec`);
      return { operationId: operation.operationId, errors };
    }
    const mediaType = exchange.contentType.split(";")[0]!.trim();
    if (!(mediaType in documented.content))
      errors.push(`content type ${mediaType} is not one of ${Object.keys(documented.content).join(", ")}`);
    if (mediaType === "application/json") {
      const result = api.validator.validateResponse(exchange.body, operation, exchange.status);
      for (const error of result.errors ?? [])
        errors.push(`body${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`);
    }
    return { operationId: operation.operationId, errors };
  };
}

function normalize(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalize);
  if (typeof node !== "object" || node === null) return node;
  const entries = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, normalize(value)]));
  if (entries.nullable === true && Array.isArray(entries.enum) && !entries.enum.includes(null))
    entries.enum = [...entries.enum, null];
  if ("$ref" in entries && entries.nullable === true) {
    const { $ref, nullable: _nullable, ...rest } = entries;
    return { ...rest, anyOf: [{ $ref }, { enum: [null] }] };
  }
  if (entries.nullable === true && entries.type === undefined) {
    const { nullable: _nullable, ...rest } = entries;
    return { anyOf: [rest, { enum: [null] }] };
  }
  return entries;
}
