import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../notebooks/runNotebook.js";
import { waitFor } from "../waitFor.js";
import { freePort, startOwned, type OwnedProcess } from "./process.js";

export const MOTO_SERVER = join(repoRoot, ".venv", "bin", "moto_server");

/** Why moto cannot run here, or undefined when it can. */
export function motoMissing(): string | undefined {
  return existsSync(MOTO_SERVER)
    ? undefined
    : `${MOTO_SERVER} is missing: run \`npm run setup\` (it installs moto[server] from scripts/requirements.txt into .venv)`;
}

export interface MotoServer {
  endpoint: string;
  /** The AWS connection for it, as AIRFLOW_CONN_<ID> JSON. */
  connectionJson: string;
  stop(): Promise<void>;
}

/**
 * moto's S3-compatible server from the repository's .venv, on a free loopback port.
 * `env` reaches the server: `INITIAL_NO_AUTH_ACTION_COUNT: "N"` makes it enforce IAM
 * (signatures and policies) after its first N requests.
 */
export async function startMoto(options: { env?: Record<string, string> } = {}): Promise<MotoServer> {
  const port = await freePort();
  const server: OwnedProcess = startOwned(MOTO_SERVER, ["-H", "127.0.0.1", "-p", String(port)], {
    env: { ...process.env, ...options.env },
  });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      `moto_server on ${endpoint}`,
      async () => {
        if (server.child.exitCode !== null)
          throw new Error(`moto_server exited (${server.child.exitCode}):\n${server.output()}`);
        return (
          (await fetch(`${endpoint}/moto-api/`).then(
            (response) => response.ok,
            () => false,
          )) || undefined
        );
      },
      60_000,
      100,
    );
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    endpoint,
    connectionJson: JSON.stringify({
      conn_type: "aws",
      login: "testing",
      password: "testing-secret",
      extra: { region_name: "us-east-1", endpoint_url: endpoint },
    }),
    stop: () => server.stop(),
  };
}
