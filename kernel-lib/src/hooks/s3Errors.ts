import { KitelabError } from "../errors.js";

/** Why an S3 call failed, in the terms a student can act on. */
export type S3Problem = "no_such_bucket" | "no_such_key" | "key_exists" | "access_denied" | "unreachable" | "other";

/** An S3 call that failed; names the connection, the bucket and the key, and keeps the SDK's error as `cause`. */
export class S3HookError extends KitelabError {
  override name = "S3HookError";
  constructor(
    readonly problem: S3Problem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Where a call went: for messages. */
export interface S3Target {
  connId: string;
  endpoint: string;
  bucket: string;
  key?: string;
}

interface SdkErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "TimeoutError",
]);

/** The network error code under an SDK error, if the server could not be reached at all. */
function networkCode(error: unknown): string | undefined {
  for (
    let current = error as SdkErrorShape | undefined, depth = 0;
    current && depth < 5;
    current = current.cause as SdkErrorShape | undefined, depth += 1
  ) {
    const code = current.code ?? current.name;
    if (code !== undefined && UNREACHABLE_CODES.has(code)) return code;
    const errors = (current as { errors?: SdkErrorShape[] }).errors;
    const inner = errors?.map((e) => e.code).find((c) => c !== undefined && UNREACHABLE_CODES.has(c));
    if (inner) return inner;
  }
  return undefined;
}

/** Classifies an AWS SDK error (pure: tested without a server). */
export function classifyS3Error(error: unknown): S3Problem {
  if (networkCode(error) !== undefined) return "unreachable";
  const shape = (error ?? {}) as SdkErrorShape;
  const code = shape.Code ?? shape.name;
  if (code === "NoSuchBucket") return "no_such_bucket";
  if (code === "NoSuchKey") return "no_such_key";
  if (
    code === "AccessDenied" ||
    code === "InvalidAccessKeyId" ||
    code === "SignatureDoesNotMatch" ||
    shape.$metadata?.httpStatusCode === 403
  )
    return "access_denied";
  return "other";
}

/** An S3HookError whose message says what failed, where, and what to do about it. */
export function describeS3Error(error: unknown, action: string, target: S3Target): S3HookError {
  const problem = classifyS3Error(error);
  const conn = `connection '${target.connId}'`;
  const object =
    target.key === undefined ? `bucket '${target.bucket}'` : `key '${target.key}' in bucket '${target.bucket}'`;
  const detail = (error as SdkErrorShape | undefined)?.message ?? String(error);
  const messages: Record<S3Problem, string> = {
    no_such_bucket: `Cannot ${action} ${object}: the bucket '${target.bucket}' does not exist at ${target.endpoint} (${conn}). Create it (S3Hook.createBucket) or fix the bucket name.`,
    no_such_key: `Cannot ${action} ${object}: no such key at ${target.endpoint} (${conn}). S3Hook.listKeys("${target.bucket}") shows the keys there.`,
    key_exists: `Cannot ${action} ${object}: the key already exists (${conn}). Pass { replace: true } to overwrite it.`,
    access_denied: `Cannot ${action} ${object}: access denied by ${target.endpoint} (${conn}): ${detail}. Check the connection's login (access key id) and password (secret).`,
    unreachable: `Cannot ${action} ${object}: the S3 endpoint ${target.endpoint} of ${conn} is unreachable (${networkCode(error)}). Is the server running? Check extra.endpoint_url of the connection.`,
    other: `Cannot ${action} ${object} at ${target.endpoint} (${conn}): ${detail}`,
  };
  return new S3HookError(problem, messages[problem], { cause: error });
}
