import { callApi as callSchedulerApi } from "../client/apiClient.js";
import type { SchedulerEndpoint } from "../scheduler/endpoint.js";
import { CliError } from "./output.js";

export {
  endpointPath,
  removeEndpoint,
  runningScheduler,
  type SchedulerEndpoint,
  writeEndpoint,
} from "../scheduler/endpoint.js";

/** Calls the running scheduler's JSON API; a refusal stops the command with the server's message. */
export async function callApi<T>(
  endpoint: SchedulerEndpoint,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  try {
    return await callSchedulerApi<T>(endpoint, token, method, path, body);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}
