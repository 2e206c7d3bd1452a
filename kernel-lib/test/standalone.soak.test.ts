// The crash soak, bounded: `kitelab standalone` is SIGKILLed (its whole process group, as
// a closed terminal or a killed kernel does) at random moments while BashOperator commands
// run, then started again. Nothing may run twice, nothing may survive, nothing may stick.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { OWNER_ENV, processesMarked } from "../src/executor/attemptProcesses.js";
import { tempHome } from "./helpers/tempHome.js";
import { waitFor } from "./helpers/waitFor.js";

const BIN = fileURLToPath(new URL("../bin/kitelab.mjs", import.meta.url));
const KILLS = 10;
const TASKS = 4;

/** A seeded generator, so a failing kill schedule can be replayed (the seed is in the message). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

async function startStandalone(home: string): Promise<{ child: ChildProcess; url: string }> {
  let output = "";
  const child = spawn(process.execPath, [BIN, "standalone", "--port", "0"], {
    env: {
      ...process.env,
      KITELAB_HOME: home,
      KITELAB__CORE__LOAD_EXAMPLES: "False",
      KITELAB__CORE__DAGS_ARE_PAUSED_AT_CREATION: "False",
      KITELAB__CORE__PARALLELISM: "3",
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const url = await waitFor("the status page URL", () => {
    if (child.exitCode !== null) throw new Error(`kitelab standalone exited with ${child.exitCode}:\n${output}`);
    return /Status page:\s+(\S+)/.exec(output)?.[1];
  });
  return { child, url };
}

function killGroup(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once("exit", () => done());
    process.kill(-child.pid!, "SIGKILL");
  });
}

interface Mark {
  at: bigint;
  kind: "start" | "end";
  attempt: string;
}

describe("kitelab standalone under random SIGKILLs", () => {
  const home = tempHome();
  const marks = join(home.home, "marks.txt");
  let current: ChildProcess | undefined;

  after(async () => {
    if (current) await killGroup(current);
    home.cleanup();
  });

  it(`survives ${KILLS} kills: no command runs twice or outlives its scheduler, no task sticks`, async () => {
    const seed = Number(process.env.KITELAB_SOAK_SEED ?? Date.now() % 100_000);
    const next = random(seed);
    const command = `echo "$(date +%s%N) start $AIRFLOW_CTX_DAG_RUN_ID/$AIRFLOW_CTX_TASK_ID/$AIRFLOW_CTX_TRY_NUMBER" >> ${marks}; sleep 0.$((RANDOM % 8 + 2)); echo "$(date +%s%N) end $AIRFLOW_CTX_DAG_RUN_ID/$AIRFLOW_CTX_TASK_ID/$AIRFLOW_CTX_TRY_NUMBER" >> ${marks}`;
    home.writeDag(
      "soak.ts",
      `import { BashOperator, DAG } from "kitelab";
export const dag = new DAG({ dagId: "soak", schedule: null });
let previous: BashOperator | undefined;
for (let index = 0; index < ${TASKS}; index += 1) {
  const task = new BashOperator({ dag, taskId: "step_" + index, retries: ${KILLS + 2}, retryDelay: 0, bashCommand: ${JSON.stringify(command)} });
  if (index % 2 === 1 && previous) previous.then(task);
  previous = task;
}
`,
    );
    const owner = resolve(home.home);
    const kills: bigint[] = [];
    const runIds: string[] = [];
    let survivors = 0;
    for (let round = 0; round <= KILLS; round += 1) {
      const started = await startStandalone(home.home);
      current = started.child;
      const token = readFileSync(join(home.home, "api_token"), "utf8").trim();
      const api = async (path: string, init: RequestInit = {}) => {
        const response = await fetch(`${started.url}api/v1${path}`, {
          ...init,
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        });
        return (await response.json()) as Record<string, unknown>;
      };
      await waitFor("the soak DAG", async () => ((await api("/dags/soak")).dag_id === "soak" ? true : undefined));
      if (round < KILLS) {
        runIds.push(
          String(
            (await api("/dags/soak/dagRuns", { method: "POST", body: JSON.stringify({ dag_run_id: `soak_${round}` }) }))
              .dag_run_id,
          ),
        );
        await new Promise((done) => setTimeout(done, 300 + Math.floor(next() * 2500)));
        await killGroup(started.child);
        current = undefined;
        try {
          await waitFor(
            "every process of the killed scheduler to end",
            () => (processesMarked({ [OWNER_ENV]: owner }).length === 0 ? true : undefined),
            5000,
          );
        } catch {
          survivors += processesMarked({ [OWNER_ENV]: owner }).length;
        }
        // From here on nothing the killed scheduler started may write (the kill itself takes a few ms to land).
        kills.push(BigInt(Date.now()) * 1_000_000n);
        continue;
      }
      // The last start: every run must finish.
      for (const runId of runIds) {
        await waitFor(
          `run ${runId} to finish (seed ${seed})`,
          async () => {
            const state = (await api(`/dags/soak/dagRuns/${runId}`)).state;
            return state === "success" || state === "failed" ? state : undefined;
          },
          180_000,
          250,
        );
      }
      const states = await Promise.all(runIds.map(async (runId) => (await api(`/dags/soak/dagRuns/${runId}`)).state));
      assert.deepEqual(
        states,
        runIds.map(() => "success"),
        `every run succeeds in the end (seed ${seed})`,
      );
    }
    assert.equal(survivors, 0, `no process of a killed scheduler survives (seed ${seed})`);

    const lines: Mark[] = readFileSync(marks, "utf8")
      .trim()
      .split("\n")
      .map((line) => {
        const [at, kind, attempt] = line.split(" ");
        return { at: BigInt(at!), kind: kind as Mark["kind"], attempt: attempt! };
      });
    const startsOf = new Map<string, number>();
    for (const mark of lines)
      if (mark.kind === "start") startsOf.set(mark.attempt, (startsOf.get(mark.attempt) ?? 0) + 1);
    const ranTwice = [...startsOf].filter(([, count]) => count > 1).map(([attempt]) => attempt);
    assert.deepEqual(ranTwice, [], `no attempt's command starts twice (seed ${seed})`);
    // A line written after a kill by an attempt that started before it: the command outlived its scheduler.
    const startAt = new Map(lines.filter((mark) => mark.kind === "start").map((mark) => [mark.attempt, mark.at]));
    const outlived = lines.filter((mark) => kills.some((kill) => startAt.get(mark.attempt)! < kill && kill < mark.at));
    assert.deepEqual(
      outlived.map((mark) => `${mark.kind} ${mark.attempt}`),
      [],
      `no command writes after the kill of its scheduler (seed ${seed})`,
    );
    const completed = new Set(
      lines.filter((mark) => mark.kind === "end").map((mark) => mark.attempt.replace(/\/\d+$/, "")),
    );
    assert.equal(completed.size, runIds.length * TASKS, "every task's command completed once");
    process.stdout.write(
      `# soak: seed ${seed}, ${kills.length} kills, ${survivors} survivors, ${ranTwice.length} duplicate executions, ${outlived.length} writes after a kill, ${lines.filter((m) => m.kind === "start").length} command starts\n`,
    );
  });
});
