/** Lab checks: what `kitelab check labN` and the notebook's `check("labN")` run. */
export type { CheckContext, CheckOutcome, CheckResult, DagFileParse, LabCheck, LabReport } from "./types.js";
export { createCheckContext, dependenciesOf } from "./context.js";
export { courseLabsRoot, defaultLabDir, findLabFolder, loadLabChecks, type CourseLab } from "./labs.js";
export { runLabChecks } from "./runChecks.js";
export { formatLabReport, labReportJson } from "./format.js";
