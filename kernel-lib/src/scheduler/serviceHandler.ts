import type { TaskServices } from "../dag/context.js";
import type { ServiceHandler } from "../executor/executor.js";
import { type AttemptKey, unreachable } from "../executor/protocol.js";
import type { DagRunRecord } from "../records.js";
import type { TriggerRequest } from "./runCreation.js";
import type { WaitForRunOptions } from "./runWaits.js";

/** What the service handler needs of the scheduler. */
export interface ServiceTarget {
  trigger(dagId: string, request: TriggerRequest): Promise<DagRunRecord>;
  waitForRun(dagId: string, runId: string, options: WaitForRunOptions): Promise<DagRunRecord>;
  /** Aborts when the asking attempt ends, so a wait on its behalf ends with it. */
  attemptSignal(key: AttemptKey): AbortSignal;
  mailer(): TaskServices["sendEmail"] | undefined;
}

/** Answers a running task's requests: trigger another DAG (and maybe wait for it), send mail. */
export function createServiceHandler(target: ServiceTarget): ServiceHandler {
  return async (request, key) => {
    switch (request.method) {
      case "triggerDagRun": {
        const { args } = request;
        const run = await target.trigger(args.dagId, {
          conf: args.conf,
          logicalDate: args.logicalDate ? new Date(args.logicalDate) : undefined,
        });
        if (!args.waitForCompletion) return { dagId: run.dagId, runId: run.runId, state: run.state };
        const final = await target.waitForRun(run.dagId, run.runId, { signal: target.attemptSignal(key) });
        return { dagId: final.dagId, runId: final.runId, state: final.state };
      }
      case "sendEmail": {
        const mailer = target.mailer();
        if (!mailer) return { delivered: false, detail: "this scheduler sends no mail (no notifier is configured)" };
        return mailer(request.args);
      }
      default:
        return unreachable(request, "service request");
    }
  };
}
