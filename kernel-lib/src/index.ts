/**
 * Kitelab: Airflow's concepts in TypeScript.
 * @example
 * import { DAG, BashOperator } from "kitelab";
 * const dag = new DAG({ dagId: "hello", schedule: "@daily", startDate: "2024-01-01" });
 * const hello = new BashOperator({ dag, taskId: "hello", bashCommand: "echo {{ ds }}" });
 */
export { version } from "./version.js";
import { useDagDisplay } from "./dag/dag.js";
import { showDagGraph } from "./notebook/dagGraph.js";

// dag.show() draws through the notebook layer; the DAG module itself never loads it.
useDagDisplay(showDagGraph);

export { DAG, isDag, type DagOptions, type RunSummaryEmail, type ScheduleSemantics } from "./dag/dag.js";
export {
  BaseOperator,
  chain,
  isTask,
  outcome,
  type BaseOperatorOptions,
  type ExecuteOutcome,
  type TaskIdSelection,
} from "./dag/baseOperator.js";
export { FunctionTask, type FunctionTaskOptions } from "./dag/functionTask.js";
export type { TaskSettings, ResolvedTaskSettings } from "./dag/taskOptions.js";
export type {
  TaskContext,
  TaskLogger,
  TaskInstanceHandle,
  DagRunHandle,
  TaskServices,
  OutgoingEmail,
  TriggeredRun,
} from "./dag/context.js";
export * from "./operators/index.js";
export {
  KitelabError,
  DagDefinitionError,
  TaskError,
  UnrecoverableError,
  SkipTask,
  TemplateError,
  ValidationError,
  describeValue,
} from "./errors.js";
export { TRIGGER_RULES, type TriggerRule } from "./engine/triggerRules.js";
export type { TaskInstanceState, DagRunState, DagRunType } from "./states.js";
export type { DagRunRecord, TaskInstanceRecord, XComRecord, ConnectionRecord, VariableRecord } from "./records.js";
export {
  DagTestResult,
  type DagTestOptions,
  type TaskTestOptions,
  type TaskTestSummary,
} from "./runtime/inProcessRun.js";
export type { Duration } from "./util/duration.js";
export type { Explanation, Reason, ReasonCode, RunJson } from "./explain/explain.js";
export type { ClockInfo, ClockMode } from "./clock/clock.js";
export type { CheckContext, CheckOutcome, CheckResult, DagFileParse, LabCheck, LabReport } from "./check/types.js";
export * from "./hooks/index.js";
export * from "./connections/index.js";
export { getCurrentContext } from "./runtime/currentContext.js";
export * from "./notebook/index.js";
