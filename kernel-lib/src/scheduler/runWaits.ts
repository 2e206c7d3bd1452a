import type { EventEmitter } from "node:events";
import { KitelabError, NotFoundError, TimeoutError } from "../errors.js";
import type { DagRunRecord } from "../records.js";
import { formatDuration } from "../util/duration.js";
import type { RunFinishedEvent, SchedulerEvents } from "./events.js";

export interface WaitForRunOptions {
  /** Give up (TimeoutError) after this long. @default no limit */
  timeoutMs?: number;
  /** Give up when this aborts (the scheduler stops, the asking attempt ends), with an error naming the run and the reason. */
  signal?: AbortSignal;
}

/**
 * Resolves with the run once it reaches success or failed. Every way out (the end, the
 * timeout, the signal) removes the listener and the timer, so a wait never outlives itself.
 */
export function waitForRunEnd(
  events: EventEmitter<SchedulerEvents>,
  getRun: (dagId: string, runId: string) => DagRunRecord | undefined,
  dagId: string,
  runId: string,
  options: WaitForRunOptions = {},
): Promise<DagRunRecord> {
  const current = getRun(dagId, runId);
  if (!current) return Promise.reject(new NotFoundError(`DAG '${dagId}' has no run '${runId}'`));
  if (current.state === "success" || current.state === "failed") return Promise.resolve(current);
  const { signal, timeoutMs } = options;
  const abandoned = () =>
    new KitelabError(`stopped waiting for run '${runId}' of DAG '${dagId}': ${messageOf(signal?.reason)}`, {
      cause: signal?.reason,
    });
  if (signal?.aborted) return Promise.reject(abandoned());
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const settle = (finish: () => void) => {
      events.off("run-finished", onFinished);
      signal?.removeEventListener("abort", onAbort);
      if (timer) clearTimeout(timer);
      finish();
    };
    const onFinished = (event: RunFinishedEvent) => {
      if (event.run.dagId === dagId && event.run.runId === runId) settle(() => resolve(event.run));
    };
    const onAbort = () => settle(() => reject(abandoned()));
    events.on("run-finished", onFinished);
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeoutMs !== undefined)
      timer = setTimeout(
        () =>
          settle(() =>
            reject(
              new TimeoutError(
                `run '${runId}' of DAG '${dagId}' did not finish within ${formatDuration(timeoutMs)} (it is ${getRun(dagId, runId)?.state ?? "gone"})`,
              ),
            ),
          ),
        timeoutMs,
      );
  });
}

function messageOf(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
