// The README's five-minute tour, its shell commands extracted from README.md and run verbatim, in
// order, against a fresh Kitelab home, as a student would type them. `npx kitelab standalone`
// runs in the background (on a free port, through Kitelab's own config override) until the end.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./notebooks/runNotebook.js";
import { tempHome } from "./helpers/tempHome.js";
import { waitFor } from "./helpers/waitFor.js";

/** Every command of the README's "A five-minute tour" shell blocks, comments removed. */
export function tourCommands(readme: string): string[] {
  const section = readme.split(/^## /m).find((part) => part.startsWith("A five-minute tour"));
  assert.ok(section, 'README.md has no "## A five-minute tour" section');
  const blocks = [...section.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((match) => match[1]!);
  return blocks.flatMap((block) =>
    block
      .split("\n")
      .map((line) => line.replace(/\s+#.*$/, "").trim())
      .filter((line) => line !== ""),
  );
}

const commands = tourCommands(readFileSync(path.join(repoRoot, "README.md"), "utf8"));
const backfillCommand = commands.find((command) => /\bdags backfill\b/.test(command));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function envFor(home: string): NodeJS.ProcessEnv {
  // Port 0: the README's default 5555 may be taken on a shared machine.
  return { ...process.env, KITELAB_HOME: home, KITELAB__WEBSERVER__WEB_SERVER_PORT: "0" };
}

function sh(command: string, home: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn("sh", ["-c", command], { cwd: repoRoot, env: envFor(home), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function json<T>(command: string, home: string): Promise<T> {
  const result = await sh(command, home);
  assert.equal(result.code, 0, `${command} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

async function isPaused(dagId: string, home: string): Promise<boolean | undefined> {
  const dags = await json<{ dag_id: string; is_paused: boolean }[]>("npx kitelab dags list -o json", home);
  return dags.find((dag) => dag.dag_id === dagId)?.is_paused;
}

function assertBackfillSucceeded(result: Result, command: string): void {
  assert.equal(result.code, 0, `${command} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /\[7\/7\] 7 succeeded, 0 failed/, result.stdout);
  assert.match(
    result.stdout,
    /example_branching is paused; a backfill runs anyway, as in Airflow, and the DAG stays paused/,
  );
}

describe("the README's five-minute tour, verbatim", () => {
  const children: ChildProcess[] = [];
  const homes: ReturnType<typeof tempHome>[] = [];

  after(async () => {
    for (const child of children) {
      if (!groupAlive(child.pid!)) continue;
      process.kill(-child.pid!, "SIGTERM");
      // sh exits at once; the standalone and its workers finish writing the home before they go.
      await waitFor(
        "the standalone's processes to exit",
        () => (groupAlive(child.pid!) ? undefined : true),
        60_000,
        100,
      );
    }
    for (const home of homes) home.cleanup();
  });

  it("lists the commands the README shows, a backfill among them", () => {
    assert.ok(commands.length >= 9, commands.join("\n"));
    assert.ok(
      commands.every((command) => command.startsWith("npx kitelab ")),
      commands.join("\n"),
    );
    assert.ok(backfillCommand, "the tour shows a backfill");
  });

  it(
    "runs every command in order; the backfill of a paused DAG finishes and leaves it paused",
    { timeout: 10 * 60_000 },
    async () => {
      const home = tempHome("kitelab-readme-");
      homes.push(home);
      for (const command of commands) {
        if (/\bkitelab standalone\b/.test(command)) {
          const standalone = spawn("sh", ["-c", command], {
            cwd: repoRoot,
            env: envFor(home.home),
            stdio: ["ignore", "pipe", "pipe"],
            detached: true,
          });
          children.push(standalone);
          let output = "";
          standalone.stdout!.on("data", (chunk) => (output += chunk));
          standalone.stderr!.on("data", (chunk) => (output += chunk));
          await waitFor(
            `${command} to print its status page`,
            () =>
              /Status page: +http:\/\//.test(output)
                ? true
                : standalone.exitCode !== null
                  ? assert.fail(output)
                  : undefined,
            120_000,
          );
          continue;
        }
        const logs = /\btasks logs (\S+) (\S+)/.exec(command);
        if (logs) {
          // A student reads the trigger's output first; here, the run it started has finished.
          await waitFor(
            `the runs of ${logs[1]} to finish`,
            async () => {
              const runs = await json<{ dag_runs?: { state: string }[] } | { state: string }[]>(
                `npx kitelab dags list-runs ${logs[1]} -o json`,
                home.home,
              );
              const list = Array.isArray(runs) ? runs : (runs.dag_runs ?? []);
              return list.length > 0 && list.every((run) => run.state === "success" || run.state === "failed")
                ? true
                : undefined;
            },
            120_000,
            500,
          );
        }
        const result = await sh(command, home.home);
        if (command === backfillCommand) {
          assertBackfillSucceeded(result, command);
          assert.equal(
            await isPaused("example_branching", home.home),
            true,
            "the backfill left example_branching paused",
          );
        } else {
          assert.equal(result.code, 0, `${command} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
        }
      }
    },
  );

  it(
    "the same backfill without a running scheduler finishes the same way and leaves the DAG paused",
    { timeout: 5 * 60_000 },
    async () => {
      const home = tempHome("kitelab-readme-");
      homes.push(home);
      const result = await sh(backfillCommand!, home.home);
      assert.match(result.stdout, /No scheduler is running/);
      assertBackfillSucceeded(result, backfillCommand!);
      assert.equal(await isPaused("example_branching", home.home), true, "the backfill left example_branching paused");
    },
  );
});
