import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CONTENDER = fileURLToPath(new URL("./helpers/lockContender.ts", import.meta.url));

/** The pid of a process that has exited: its lock is stale. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

function race(lockPath: string, contenders: number, holdMs: number): Promise<string[]> {
  const startAt = Date.now() + 3000;
  return Promise.all(
    Array.from(
      { length: contenders },
      () =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            ["--import", "tsx", CONTENDER, lockPath, String(startAt), String(holdMs)],
            { stdio: ["ignore", "pipe", "pipe"] },
          );
          let output = "";
          child.stdout.on("data", (chunk) => (output += chunk));
          child.stderr.on("data", (chunk) => (output += chunk));
          child.once("exit", (code) =>
            code === 0 ? resolve(output.trim()) : reject(new Error(`a contender exited ${code}:\n${output}`)),
          );
        }),
    ),
  );
}

describe("the store lock under contention", () => {
  it(
    "when several schedulers find the same stale lock at once, exactly one takes it and the others name it",
    { timeout: 60_000 },
    async () => {
      for (let round = 0; round < 3; round += 1) {
        const dir = mkdtempSync(join(tmpdir(), "kitelab-lock-race-"));
        const lockPath = join(dir, "scheduler.lock");
        writeFileSync(
          lockPath,
          JSON.stringify({ pid: deadPid(), hostname: hostname(), startedAt: "2024-01-01T00:00:00.000Z" }),
        );
        const outcomes = await race(lockPath, 6, 6000);
        const winners = outcomes.filter((line) => line.startsWith("won "));
        assert.equal(
          winners.length,
          1,
          `round ${round}: exactly one contender holds the lock:\n${outcomes.join("\n")}`,
        );
        const winnerPid = winners[0]!.slice("won ".length);
        for (const line of outcomes.filter((outcome) => !outcome.startsWith("won "))) {
          assert.match(
            line,
            new RegExp(`^locked Another Kitelab scheduler \\(pid ${winnerPid},`),
            "the others are refused, naming the winner",
          );
        }
        assert.equal(existsSync(lockPath), false, "the winner released the lock when it was done");
        assert.deepEqual(readdirSync(dir), [], "no guard or temporary file is left behind");
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it(
    "a lock file that is empty or not JSON (a writer killed by an older version) is taken over",
    { timeout: 30_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "kitelab-lock-junk-"));
      const lockPath = join(dir, "scheduler.lock");
      writeFileSync(lockPath, "");
      const [outcome] = await race(lockPath, 1, 10);
      assert.match(outcome!, /^won \d+$/);
      rmSync(dir, { recursive: true, force: true });
    },
  );
});
