import { ServerConnection } from "@jupyterlab/services";
import type { ITransport } from "./client.js";

/**
 * Requests through `ServerConnection.makeRequest`, so Jupyter's XSRF cookie and token go along;
 * the proxy then swaps in the scheduler's own token.
 */
export function jupyterTransport(settings: ServerConnection.ISettings = ServerConnection.makeSettings()): ITransport {
  return (url, init) =>
    ServerConnection.makeRequest(
      url,
      {
        method: init.method,
        ...(init.body === undefined ? {} : { body: init.body, headers: { "Content-Type": "application/json" } }),
      },
      settings,
    );
}
