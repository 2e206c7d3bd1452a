import type { SchedulerStore } from "../scheduler/schedulerStore.js";
import { explainDag, type Explanation } from "./explain.js";
import { gatherExplainFacts, type ExplainFacts } from "./facts.js";

export {
  explainDag,
  REASON_CODES,
  ruleNeeds,
  type Explanation,
  type Reason,
  type ReasonCode,
  type RunJson,
} from "./explain.js";
export { gatherExplainFacts, type ExplainFacts } from "./facts.js";
export { formatExplanation } from "./format.js";

export interface ExplainOptions {
  settings: ExplainFacts["settings"];
  heartbeatThresholdMs: number;
  /** The scheduler's clock time. */
  now: Date;
  runId?: string;
}

/** The explanation of one DAG from a store, or undefined when the store knows nothing of it. */
export function explainFromStore(
  store: SchedulerStore,
  dagId: string,
  options: ExplainOptions,
): Explanation | undefined {
  const facts = gatherExplainFacts(store, { dagId, ...options });
  if (!facts.dag && facts.importErrors.length === 0) return undefined;
  return explainDag(facts);
}

/** Explains DAGs from a store at the clock's time: what the web server and the API use. */
export function storeExplainer(
  store: SchedulerStore,
  options: Omit<ExplainOptions, "now" | "runId">,
  clockNow: () => Date,
) {
  return {
    explain: (dagId: string, asked: { runId?: string; now?: Date } = {}) =>
      explainFromStore(store, dagId, { ...options, now: asked.now ?? clockNow(), runId: asked.runId }),
  };
}
