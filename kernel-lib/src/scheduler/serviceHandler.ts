import type { OutgoingEmail, TaskServices } from "../dag/context.js";
import { KitelabError } from "../errors.js";
import type { ServiceHandler } from "../executor/executor.js";
import type { AttemptKey } from "../executor/protocol.js";
import type { DagRunRecord } from "../records.js";
import type { TriggerRequest } from "./runCreation.js";
import type { WaitForRunOptions } from "./runWaits.js";

/** TriggerDagRunOperator's request as it crosses from the worker (dates are ISO strings there). */
export interface TriggerDagRunServiceRequest {
  dagId: string;
  conf: Record<string, unknown>;
  logicalDate?: string;
  waitForCompletion: boolean;
  pokeIntervalMs: number;
}

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
  return async (method, args, key) => {
    if (method === "triggerDagRun") {
      const request = args as TriggerDagRunServiceRequest;
      const run = await target.trigger(request.dagId, {
        conf: request.conf,
        logicalDate: request.logicalDate ? new Date(request.logicalDate) : undefined,
      });
      if (!request.waitForCompletion) return { dagId: run.dagId, runId: run.runId, state: run.state };
      const final = await target.waitForRun(run.dagId, run.runId, { signal: target.attemptSignal(key) });
      return { dagId: final.dagId, runId: final.runId, state: final.state };
    }
    if (method === "sendEmail") {
      const mailer = target.mailer();
      if (!mailer) return { delivered: false, detail: "this scheduler sends no mail (no notifier is configured)" };
      return mailer(args as OutgoingEmail);
    }
    throw new KitelabError(`the scheduler has no handler for ${String(method)}`);
  };
}
