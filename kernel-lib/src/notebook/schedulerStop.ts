import { rmSync } from "node:fs";
import { endpointPath } from "../scheduler/endpoint.js";
import { KitelabError } from "../errors.js";
import { isProcessAlive } from "../util/processes.js";

/**
 * Sends SIGTERM (the scheduler finishes or hands back its running tasks and removes
 * `scheduler.json`), waits for the process to exit, and kills its process group after
 * `timeoutMs` (then removing the `scheduler.json` it could not remove itself).
 */
export async function stopScheduler(pid: number, home: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  let killed = false;
  while (isProcessAlive(pid)) {
    if (!killed && Date.now() > deadline) {
      killed = true;
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        process.kill(pid, "SIGKILL");
      }
    } else if (killed && Date.now() > deadline + 5000) {
      throw new KitelabError(`The scheduler (pid ${pid}) did not stop, even after SIGKILL`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (killed) rmSync(endpointPath(home), { force: true });
}
