import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FileStore } from "../src/persistence/index.js";
import { CHURN_RUNS, CHURN_SLOTS, lastWrite, observeChurn, type ChurnObservation } from "./helpers/storeChild.js";
import { tempHome } from "./helpers/tempHome.js";

const CHILD = fileURLToPath(new URL("./helpers/storeChild.ts", import.meta.url));
const KILLS = 5;

/** Starts the churning writer, lets it write for `delayMs` after it is ready, then SIGKILLs it. */
function churnThenKill(dir: string, home: string, delayMs: number): Promise<{ pid: number; startedFrom: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, "churn", dir, home], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    let ready: { pid: number; startedFrom: number } | undefined;
    child.stdout!.on("data", (chunk) => {
      output += chunk;
      const match = /ready (\d+) from (\d+)/.exec(output);
      if (match && !ready) {
        ready = { pid: Number(match[1]), startedFrom: Number(match[2]) };
        setTimeout(() => child.kill("SIGKILL"), delayMs);
      }
    });
    child.stderr!.on("data", (chunk) => (output += chunk));
    child.once("exit", (code, signal) => {
      if (ready && signal === "SIGKILL") resolve(ready);
      else
        reject(new Error(`the writer ended with ${signal ?? `exit code ${code}`} instead of being killed:\n${output}`));
    });
  });
}

/** Every store file (not the writer's temporary files) parses as JSON; returns how many there are. */
function everyFileParses(dir: string): number {
  let count = 0;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    if (!statSync(path).isFile() || !name.endsWith(".json")) continue;
    const text = readFileSync(path, "utf8");
    assert.doesNotThrow(() => JSON.parse(text), `${name} is torn: ${text.slice(-80)}`);
    count += 1;
  }
  return count;
}

function temporaries(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((name) => name.endsWith(".tmp"));
}

/**
 * The writes are numbered 1, 2, 3... and write k goes to slot k % 5. The store must show
 * exactly the first N of them, N being the last that reached the disk: each record carries
 * the number of the latest write to it up to N, never an older one, never a mix.
 */
function assertPrefixOf(observed: ChurnObservation, context: string): number {
  const n = lastWrite(observed);
  const latestUpTo = (slot: number) => {
    const k = n - ((((n - slot) % CHURN_SLOTS) + CHURN_SLOTS) % CHURN_SLOTS);
    return k > 0 ? k : 0;
  };
  CHURN_RUNS.forEach((runId, slot) => {
    const numbers = observed.runs[runId]!;
    assert.equal(
      new Set(numbers).size,
      1,
      `${context}: the task instances of ${runId} come from different writes: ${numbers.join(", ")}`,
    );
    assert.equal(
      numbers[0],
      latestUpTo(slot),
      `${context}: ${runId} shows write ${numbers[0]}, but the last write to it before ${n} was ${latestUpTo(slot)}`,
    );
  });
  assert.equal(
    observed.heartbeat,
    latestUpTo(3),
    `${context}: the heartbeat shows write ${observed.heartbeat}, expected ${latestUpTo(3)}`,
  );
  const expectedExtras: number[] = [];
  for (let k = CHURN_SLOTS - 1; k <= n; k += CHURN_SLOTS) expectedExtras.push(k);
  assert.deepEqual(
    observed.extras,
    expectedExtras,
    `${context}: the runs created are not exactly those of writes up to ${n}`,
  );
  return n;
}

describe("the store under SIGKILL", () => {
  const home = tempHome("kitelab-crash-");
  after(() => home.cleanup());
  const dir = join(home.home, "store");

  it(
    `after each of ${KILLS} kills at random moments, the store opens, no file is torn, and it holds a prefix of the writes`,
    { timeout: 60_000 },
    async () => {
      let previous = 0;
      const delays: number[] = [];
      for (let kill = 1; kill <= KILLS; kill += 1) {
        const delayMs = 20 + Math.floor(Math.random() * 281);
        delays.push(delayMs);
        const context = `kill ${kill} after ${delayMs} ms (delays so far: ${delays.join(", ")})`;
        const killed = await churnThenKill(dir, home.home, delayMs);
        assert.equal(
          killed.startedFrom,
          previous,
          `${context}: the writer resumed from write ${killed.startedFrom}, but the store held ${previous}`,
        );

        const files = everyFileParses(dir);
        assert.ok(files >= 1 + CHURN_RUNS.length, `${context}: only ${files} store files`);

        const store = FileStore.open(dir, { writer: true, home: home.home });
        try {
          assert.equal(store.lockTakenOverFrom?.pid, killed.pid, `${context}: the dead writer's lock was taken over`);
          const n = assertPrefixOf(observeChurn(store), context);
          assert.ok(n >= previous, `${context}: writes ${n + 1}..${previous} were lost`);
          previous = n;
        } finally {
          await store.close();
        }
        assert.deepEqual(
          temporaries(dir),
          [],
          `${context}: the writer removed the temporary files the killed one left`,
        );
        const reader = FileStore.open(dir, { writer: false, home: home.home });
        assert.equal(lastWrite(observeChurn(reader)), previous, `${context}: a reader sees the same state`);
      }
      assert.ok(
        previous >= 10,
        `the writers made only ${previous} writes in all: the kills hit nothing worth checking`,
      );
    },
  );
});
