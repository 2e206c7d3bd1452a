export { S3Hook, type S3HookOptions, type LoadOptions, type ListKeysOptions } from "./s3Hook.js";
export { S3HookError, type S3Problem } from "./s3Errors.js";
export {
  DbApiHook,
  SqlHookError,
  type QueryResult,
  type SqlValue,
  type SqlParameters,
  type InsertRowsOptions,
} from "./sql/dbApiHook.js";
export { SqliteHook, type SqliteHookOptions } from "./sql/sqliteHook.js";
export { PostgresHook, type PostgresHookOptions } from "./sql/postgresHook.js";
export { MySqlHook, type MySqlHookOptions } from "./sql/mySqlHook.js";
export { hookForConnection } from "./sql/hookForConnection.js";
