export { EmptyOperator } from "./empty.js";
export { BashOperator, type BashOperatorOptions } from "./bash.js";
export { BranchOperator, type BranchOperatorOptions } from "./branch.js";
export { ShortCircuitOperator, type ShortCircuitOperatorOptions } from "./shortCircuit.js";
export { BaseSensorOperator, type BaseSensorOptions } from "./baseSensor.js";
export { FileSensor, type FileSensorOptions } from "./fileSensor.js";
export { S3KeySensor, type S3KeySensorOptions } from "./s3KeySensor.js";
export { SQLExecuteQueryOperator, type SQLExecuteQueryOperatorOptions } from "./sqlExecuteQuery.js";
export { TriggerDagRunOperator, type TriggerDagRunOperatorOptions } from "./triggerDagRun.js";
export { EmailOperator, type EmailOperatorOptions } from "./email.js";
export {
  withIO,
  readByExtension,
  writeByExtension,
  DEFAULT_IO_DATE_FORMAT,
  type WithIOOptions,
  type IOSummary,
} from "./withIO.js";
export { readCsv, toCsv, type CsvRow } from "./csv.js";
