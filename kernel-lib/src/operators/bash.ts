import { spawn } from "node:child_process";
import { SkipTask, TaskError } from "../errors.js";
import { ownProcessGroup, ownershipEnv, releaseProcessGroup } from "../executor/attemptProcesses.js";
import { BaseOperator, type BaseOperatorOptions } from "../dag/baseOperator.js";
import type { TaskContext } from "../dag/context.js";

export interface BashOperatorOptions extends BaseOperatorOptions {
  /** The command, a handlebars template: `"echo {{ ds }}"`. Run with `bash -c`. */
  bashCommand: string;
  /** Extra environment variables (values are templates too). */
  env?: Record<string, string>;
  /** Keep the worker's environment and add `env` to it. @default true */
  appendEnv?: boolean;
  /** Working directory. @default the current directory */
  cwd?: string;
  /** Push the last line of output as the task's XCom. @default true */
  doXcomPush?: boolean;
  /** An exit code that marks the task skipped instead of failed. @default 99 */
  skipOnExitCode?: number;
  /** Wait after SIGTERM before SIGKILL when the task is stopped. @default 5s */
  killGraceMs?: number;
}

/** Runs a shell command; a non-zero exit fails the task (Airflow's BashOperator). */
export class BashOperator extends BaseOperator {
  readonly operatorName = "BashOperator";
  override readonly templateFields = ["bashCommand", "env", "cwd"] as const;
  readonly bashCommand: string;
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  private readonly appendEnv: boolean;
  private readonly doXcomPush: boolean;
  private readonly skipOnExitCode: number;
  private readonly killGraceMs: number;

  constructor(options: BashOperatorOptions) {
    const { bashCommand, env, appendEnv, cwd, doXcomPush, skipOnExitCode, killGraceMs, ...rest } = options;
    super(rest);
    if (typeof bashCommand !== "string" || bashCommand.trim() === "") {
      throw new TaskError(`BashOperator '${rest.taskId}' needs a \`bashCommand\`, such as "echo {{ ds }}"`);
    }
    this.bashCommand = bashCommand;
    this.env = env;
    this.cwd = cwd;
    this.appendEnv = appendEnv ?? true;
    this.doXcomPush = doXcomPush ?? true;
    this.skipOnExitCode = skipOnExitCode ?? 99;
    this.killGraceMs = killGraceMs ?? 5000;
  }

  async execute(context: TaskContext): Promise<string | undefined> {
    const { log, signal } = context;
    log.info(`Running command: ${this.bashCommand}`);
    const env = {
      ...(this.appendEnv ? process.env : { PATH: process.env.PATH ?? "/usr/bin:/bin" }),
      AIRFLOW_CTX_DAG_ID: context.dag_id,
      AIRFLOW_CTX_TASK_ID: context.task_id,
      AIRFLOW_CTX_DAG_RUN_ID: context.run_id,
      AIRFLOW_CTX_LOGICAL_DATE: context.logical_date.toISOString(),
      AIRFLOW_CTX_TRY_NUMBER: String(context.try_number),
      ...this.env,
      // The attempt's marks, even with appendEnv false: the command belongs to this attempt.
      ...ownershipEnv(),
    };
    // detached: the command gets its own process group, so a timeout kills its children too;
    // the group is registered with the attempt, so it also ends when the worker does.
    const child = spawn("bash", ["-c", this.bashCommand], {
      cwd: this.cwd,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (child.pid !== undefined) ownProcessGroup(child.pid);
    let lastLine: string | undefined;
    const forward = (stream: NodeJS.ReadableStream, write: (line: string) => void) => {
      let pending = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        pending += chunk;
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) {
          write(line);
          if (line.trim() !== "") lastLine = line;
        }
      });
      stream.on("end", () => {
        if (pending !== "") {
          write(pending);
          if (pending.trim() !== "") lastLine = pending;
        }
      });
    };
    forward(child.stdout!, (line) => log.info(line));
    forward(child.stderr!, (line) => log.info(line));

    const killGroup = (signalName: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signalName);
      } catch {
        // The group is already gone.
      }
    };
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      killGroup("SIGTERM");
      killTimer = setTimeout(() => killGroup("SIGKILL"), this.killGraceMs);
    };
    signal.addEventListener("abort", onAbort, { once: true });

    const { code, signalName } = await new Promise<{ code: number | null; signalName: NodeJS.Signals | null }>(
      (resolve, reject) => {
        child.on("error", reject);
        child.on("close", (exitCode, exitSignal) => resolve({ code: exitCode, signalName: exitSignal }));
      },
    );
    signal.removeEventListener("abort", onAbort);
    if (killTimer) clearTimeout(killTimer);
    killGroup("SIGKILL");
    if (child.pid !== undefined) releaseProcessGroup(child.pid);
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new TaskError("The command was stopped");
    if (code === this.skipOnExitCode) throw new SkipTask(`the command exited with code ${code}`);
    if (code !== 0) {
      throw new TaskError(
        signalName
          ? `The command was killed by ${signalName}`
          : `The command exited with code ${code}: ${this.bashCommand}`,
      );
    }
    log.info("Command exited with code 0");
    return this.doXcomPush ? lastLine : undefined;
  }
}
