// `npm start` stopped with Ctrl-C (SIGINT to its process group, as a terminal sends it) or with
// SIGTERM (to the npm process alone, as `kill` sends it) leaves no process behind: JupyterLab, the
// notebook kernel, the scheduler jupyter-server-proxy started and the worker running a task.
// Every process `npm start` starts inherits a mark in its environment; the test looks for the mark
// in /proc afterwards, so a process that left the process group or was reparented is found too.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { markedProcesses as markedBy } from "./helpers/markedProcesses.js";
import { waitFor } from "./helpers/waitFor.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const jupyter = path.join(repo, ".venv", "bin", "jupyter");
const kernelspec = path.join(repo, ".venv", "share", "jupyter", "kernels", "tslab", "kernel.json");
const MARK = "KITELAB_TEST_PROCESS_MARK";
const python = path.join(repo, ".venv", "bin", "python");
const runtimeDir = path.join(repo, ".venv", "share", "jupyter", "runtime");

/** Runs one cell in a running kernel over its ZMQ channels, as a notebook's frontend does; resolves with its output. */
const EXECUTE_CELL = `
import json, sys
from jupyter_client import BlockingKernelClient
client = BlockingKernelClient()
client.load_connection_file(sys.argv[1])
client.start_channels(hb=False)
client.wait_for_ready(timeout=60)
out = []
def keep(message):
    content = message["content"]
    if message["msg_type"] == "stream": out.append(content["text"])
    elif message["msg_type"] in ("display_data", "execute_result"): out.append(content["data"].get("text/plain", ""))
    elif message["msg_type"] == "error": out.append("\\n".join(content["traceback"]))
reply = client.execute_interactive(sys.argv[2], timeout=120, output_hook=keep)
print(json.dumps({"status": reply["content"]["status"], "output": "".join(out)}))
`;

function executeCell(kernelId: string, code: string): Promise<{ status: string; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ["-c", EXECUTE_CELL, path.join(runtimeDir, `kernel-${kernelId}.json`), code]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0
        ? resolve(JSON.parse(stdout))
        : reject(new Error(`the cell could not be run (exit ${code}): ${stderr}`)),
    );
  });
}

function skipReason(): string | false {
  if (process.platform !== "linux") return "reads /proc (Linux only)";
  if (!fs.existsSync(jupyter) || !fs.existsSync(kernelspec)) return `no JupyterLab in .venv: run \`npm run setup\``;
  return false;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function markedProcesses(mark: string): { pid: number; command: string }[] {
  return markedBy(MARK, mark);
}

interface StartedLab {
  npm: ChildProcess;
  mark: string;
  /** The home of the scheduler a notebook cell starts. */
  notebookHome: string;
  base: string;
  token: string;
  output: () => string;
  cleanup: () => void;
}

/** `npm start` as a student runs it, in its own process group as a terminal's foreground job. */
async function startLab(): Promise<StartedLab> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "kitelab-npm-start-"));
  const home = path.join(work, "home");
  fs.mkdirSync(path.join(home, "dags"), { recursive: true });
  fs.writeFileSync(
    path.join(home, "dags", "long_sleep.ts"),
    `import { BashOperator, DAG } from "kitelab";
export const dag = new DAG({ dagId: "long_sleep", schedule: null, startDate: "2024-01-01" });
new BashOperator({ dag, taskId: "sleep", bashCommand: "sleep 600" });
`,
  );
  const port = await freePort();
  const token = randomBytes(12).toString("hex");
  const mark = randomBytes(8).toString("hex");
  const logFile = path.join(work, "npm-start.log");
  const log = fs.openSync(logFile, "w");
  const npm = spawn("npm", ["start"], {
    cwd: repo,
    detached: true,
    stdio: ["ignore", log, log],
    env: {
      ...process.env,
      [MARK]: mark,
      KITELAB_PORT: String(port),
      JUPYTER_TOKEN: token,
      KITELAB_HOME: home,
      KITELAB__CORE__LOAD_EXAMPLES: "False",
      KITELAB__CORE__DAGS_ARE_PAUSED_AT_CREATION: "False",
    },
  });
  fs.closeSync(log);
  return {
    npm,
    mark,
    notebookHome: path.join(work, "notebook-home"),
    base: `http://127.0.0.1:${port}/`,
    token,
    output: () => fs.readFileSync(logFile, "utf8"),
    cleanup: () => {
      for (const { pid } of markedProcesses(mark)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Brings up what a student has running: a notebook kernel, the Launcher's scheduler and a task on a worker. */
async function useLab(lab: StartedLab): Promise<void> {
  const call = async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${lab.base}${route}`, {
      method,
      headers: { Authorization: `token ${lab.token}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    assert.ok(response.ok, `${method} ${route} answered ${response.status}: ${text.slice(0, 300)}`);
    return text === "" ? undefined : JSON.parse(text);
  };
  await waitForAnnouncedUrl(lab);
  const kernel = await call("POST", "api/kernels", { name: "tslab" });
  await waitFor(
    "the tslab kernel to run",
    () => (markedProcesses(lab.mark).some((p) => p.command.includes("tslab-kernel.cjs")) ? true : undefined),
    60_000,
    200,
  );
  assert.ok(kernel.id, "the kernel has an id");
  // A notebook cell starts its own scheduler (another home): detached, so it outlives kernel restarts.
  const cell = await executeCell(
    kernel.id,
    `import { startScheduler } from "kitelab";\nconst started = await startScheduler({ home: ${JSON.stringify(lab.notebookHome)} });\nstarted.startedPid`,
  );
  assert.equal(cell.status, "ok", cell.output);
  const notebookScheduler = Number(cell.output.trim());
  assert.ok(
    markedProcesses(lab.mark).some((p) => p.pid === notebookScheduler),
    `the notebook's scheduler (pid ${notebookScheduler}) runs: ${cell.output}`,
  );
  // The Launcher's card opens <base>kitelab/: jupyter-server-proxy starts the scheduler on that request.
  await call("GET", "kitelab/health");
  await waitFor(
    "the scheduler to list long_sleep",
    async () => ((await call("GET", "kitelab/api/v1/dags")).dags.length === 1 ? true : undefined),
    60_000,
    200,
  );
  const run = await call("POST", "kitelab/api/v1/dags/long_sleep/dagRuns", {});
  await waitFor(
    "the task to run in a worker",
    async () => {
      const { task_instances } = await call(
        "GET",
        `kitelab/api/v1/dags/long_sleep/dagRuns/${encodeURIComponent(run.dag_run_id)}/taskInstances`,
      );
      const sleeping = markedProcesses(lab.mark).some((p) => p.command === "sleep 600");
      return task_instances[0]?.state === "running" && sleeping ? true : undefined;
    },
    60_000,
    200,
  );
}

/**
 * Waits for `npm start` to print JupyterLab's address, and checks that it comes after Jupyter's
 * start-up log and that the server answers by then.
 */
async function waitForAnnouncedUrl(lab: StartedLab): Promise<string> {
  const announced = await waitFor(
    "npm start to print JupyterLab's address",
    () => /is ready on port \d+[^\n]*Open:\n\n {4}(http:\S+)\n/.exec(lab.output())?.[1],
    300_000,
    100,
  ).catch((error) => {
    throw new Error(`${(error as Error).message}; npm start printed:\n${lab.output()}`);
  });
  const status = await fetch(`${lab.base}api/status`, { headers: { Authorization: `token ${lab.token}` } });
  await status.body?.cancel();
  assert.equal(status.status, 200, "JupyterLab answers when its address is printed");
  const output = lab.output();
  const announcement = output.indexOf("[kitelab start] JupyterLab is ready");
  for (const jupyterLine of ["is running at", "Or copy and paste one of these URLs"]) {
    assert.ok(
      output.lastIndexOf(jupyterLine) < announcement,
      `the address comes after Jupyter's "${jupyterLine}":\n${output}`,
    );
  }
  assert.equal(announced, `http://localhost:${new URL(lab.base).port}/lab?token=${lab.token}`);
  return announced;
}

async function expectNothingLeft(lab: StartedLab, how: string): Promise<void> {
  const exited =
    lab.npm.exitCode !== null ? Promise.resolve() : new Promise((resolve) => lab.npm.once("exit", resolve));
  await Promise.race([
    exited,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`npm start did not exit within 60 s of ${how}`)), 60_000),
    ),
  ]);
  let left: { pid: number; command: string }[] = [];
  try {
    // The scheduler stops after Jupyter (its tasks get their grace period): wait for the last one.
    await waitFor(
      "every process npm start started to end",
      () => {
        left = markedProcesses(lab.mark);
        return left.length === 0 ? true : undefined;
      },
      30_000,
      200,
    );
  } catch {
    assert.fail(
      `after ${how}, these processes were left running:\n${left.map((p) => `  ${p.pid} ${p.command}`).join("\n")}\n--- npm start printed ---\n${lab.output().slice(-4000)}`,
    );
  }
}

describe("stopping npm start", { skip: skipReason() }, () => {
  it("Ctrl-C (SIGINT to the foreground process group) leaves no process behind", async () => {
    const lab = await startLab();
    try {
      await useLab(lab);
      process.kill(-lab.npm.pid!, "SIGINT");
      await expectNothingLeft(lab, "Ctrl-C");
    } finally {
      lab.cleanup();
    }
  });

  it("SIGTERM to the npm process leaves no process behind", async () => {
    const lab = await startLab();
    try {
      await useLab(lab);
      process.kill(lab.npm.pid!, "SIGTERM");
      await expectNothingLeft(lab, "SIGTERM");
    } finally {
      lab.cleanup();
    }
  });
});
