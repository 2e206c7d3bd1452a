import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "./waitFor.js";

const BIN = fileURLToPath(new URL("../../bin/kitelab.mjs", import.meta.url));

/** A `kitelab standalone` child on a free loopback port, as a user starts it. */
export interface StandaloneProcess {
  child: ChildProcess;
  /** The status page URL, ending in `/`. */
  url: string;
  token: string;
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited within 10 s; resolves once it has exited. */
  stop(): Promise<void>;
}

export async function startStandaloneProcess(home: string, env: NodeJS.ProcessEnv = {}): Promise<StandaloneProcess> {
  let output = "";
  const child = spawn(process.execPath, [BIN, "standalone", "--port", "0"], {
    env: {
      ...process.env,
      KITELAB_HOME: home,
      KITELAB__CORE__LOAD_EXAMPLES: "False",
      KITELAB__CORE__DAGS_ARE_PAUSED_AT_CREATION: "False",
      KITELAB__SCHEDULER__SCHEDULER_HEARTBEAT_SEC: "1",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const url = await waitFor(
      "the status page URL",
      () => {
        if (child.exitCode !== null) throw new Error(`kitelab standalone exited with ${child.exitCode}:\n${output}`);
        return /Status page:\s+(\S+)/.exec(output)?.[1];
        // Only a bound for a failure: it starts in about a second, but the shared machine can be slow.
      },
      120_000,
    );
    const token = readFileSync(join(home, "api_token"), "utf8").trim();
    return { child, url: url.endsWith("/") ? url : `${url}/`, token, output: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
