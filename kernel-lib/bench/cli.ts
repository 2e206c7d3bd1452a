/** How long a CLI command takes to start and finish, against `node -e 0` in the same run. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN } from "./standaloneProcess.js";

export interface CliFigures {
  nodeMs: number;
  helpMs: number;
  previewMs: number;
  variablesListMs: number;
}

function medianMs(args: string[], env: NodeJS.ProcessEnv, times = 7): number {
  const timings: number[] = [];
  for (let index = 0; index < times; index += 1) {
    const began = performance.now();
    const result = spawnSync(process.execPath, args, { env, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`bench: node ${args.join(" ")} failed:\n${result.stderr}`);
    timings.push(performance.now() - began);
  }
  return timings.sort((a, b) => a - b)[Math.floor(times / 2)]!;
}

export function benchCli(): CliFigures {
  const home = mkdtempSync(join(tmpdir(), "kitelab-bench-cli-"));
  const env = { ...process.env, KITELAB_HOME: home };
  try {
    spawnSync(process.execPath, [BIN, "variables", "list"], { env });
    return {
      nodeMs: medianMs(["-e", "0"], env),
      helpMs: medianMs([BIN, "--help"], env),
      previewMs: medianMs([BIN, "schedule", "preview", "--schedule", "@daily", "--start-date", "2024-01-01"], env),
      variablesListMs: medianMs([BIN, "variables", "list"], env),
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
