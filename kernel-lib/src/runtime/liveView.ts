import { formatDuration } from "../util/duration.js";
import type { TaskInstanceState } from "../states.js";

/** Line-by-line picture of a run in progress, for terminals and notebook cells alike. */
export interface LiveView {
  runStarted(dagId: string, runId: string, logicalDate: string): void;
  taskState(taskId: string, state: TaskInstanceState, detail?: string): void;
  taskLog(taskId: string, level: string, line: string): void;
  runFinished(state: string, durationMs: number): void;
}

const SYMBOLS: Partial<Record<TaskInstanceState, string>> = {
  running: "▶",
  success: "✔",
  failed: "✖",
  up_for_retry: "↻",
  upstream_failed: "⊘",
  skipped: "⤼",
};

export function createLiveView(write: (line: string) => void, indent = ""): LiveView {
  let width = 12;
  return {
    runStarted(dagId, runId, logicalDate) {
      write(`${indent}DAG ${dagId} · run ${runId} · logical date ${logicalDate}`);
    },
    taskState(taskId, state, detail) {
      width = Math.max(width, taskId.length);
      const symbol = SYMBOLS[state] ?? "·";
      write(`${indent}  ${symbol} ${taskId.padEnd(width)}  ${state}${detail ? `  ${detail}` : ""}`);
    },
    taskLog(taskId, level, line) {
      const tag = level === "info" ? "" : `${level.toUpperCase()} `;
      for (const part of line.split("\n")) write(`${indent}    │ ${taskId}: ${tag}${part}`);
    },
    runFinished(state, durationMs) {
      write(`${indent}Run ${state === "success" ? "succeeded" : state} in ${formatDuration(durationMs)}`);
    },
  };
}

export const silentView: LiveView = {
  runStarted() {},
  taskState() {},
  taskLog() {},
  runFinished() {},
};
