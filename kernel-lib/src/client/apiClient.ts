import { ApiError } from "../errors.js";
import type { SchedulerEndpoint } from "../scheduler/endpoint.js";

/**
 * Calls a running scheduler's JSON API (`/api/v1` + `path`) with the API token. A refusal
 * throws an ApiError carrying the HTTP status and the problem's `detail`; an answer that is
 * not JSON (a proxy's HTML error page) is described by its status, never shown or parsed as data.
 * An unreachable scheduler is an ApiError with status 0.
 */
export async function callApi<T>(
  endpoint: SchedulerEndpoint,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const url = `${endpoint.url.replace(/\/$/, "")}/api/v1${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(
      `cannot reach the scheduler (pid ${endpoint.pid}) at ${endpoint.url}: ${(error as Error).message}`,
      0,
      { cause: error },
    );
  }
  const text = await response.text();
  const parsed = parseJson(text);
  if (!response.ok) {
    const problem = parsed as { detail?: unknown; title?: unknown } | undefined;
    const detail = [problem?.detail, problem?.title].find((value) => typeof value === "string" && value !== "");
    throw new ApiError(
      (detail as string | undefined) ??
        `the scheduler answered ${method} ${path} with HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`,
      response.status,
    );
  }
  if (text !== "" && parsed === undefined)
    throw new ApiError(
      `the scheduler answered ${method} ${path} with something that is not JSON (${response.headers.get("content-type") ?? "no content type"})`,
      response.status,
    );
  return parsed as T;
}

/** The JSON in a response body, or undefined when it holds none (empty, or an HTML error page). */
export function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
