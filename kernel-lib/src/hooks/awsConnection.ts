import { ValidationError, describeValue } from "../errors.js";
import type { ConnectionRecord } from "../records.js";

/** What an S3 client needs, read from an Airflow AWS connection. */
export interface AwsClientSettings {
  region: string;
  /** extra.endpoint_url: a local S3-compatible server (moto, MinIO) instead of AWS. */
  endpoint?: string;
  /** Bucket in the path (`http://host/bucket/key`), as local servers need; AWS uses the host name. */
  forcePathStyle: boolean;
  /** Absent: the AWS SDK's own chain (environment, ~/.aws, instance role), as boto3 does. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

const AWS_CONN_TYPES = ["aws", "s3"];
export const AWS_CONNECTION_EXAMPLE = `--conn-type aws --conn-login <access key id> --conn-password <secret> --conn-extra '{"region_name": "us-east-1", "endpoint_url": "http://127.0.0.1:5000"}'`;

/**
 * Reads an AWS connection as Airflow's AWS provider does: login and password are the access key
 * id and the secret (or extra.aws_access_key_id / extra.aws_secret_access_key), extra.region_name
 * the region, extra.endpoint_url another S3-compatible server.
 */
export function awsClientSettings(
  connection: ConnectionRecord,
  env: NodeJS.ProcessEnv = process.env,
): AwsClientSettings {
  const where = `connection '${connection.connId}'`;
  if (!AWS_CONN_TYPES.includes(connection.connType)) {
    throw new ValidationError(
      `Expected ${where} to have conn type "aws", got ${describeValue(connection.connType)}; define it with \`kitelab connections add ${connection.connId} ${AWS_CONNECTION_EXAMPLE}\``,
    );
  }
  const extra = connection.extra ?? {};
  const text = (key: string) => {
    const value = extra[key];
    if (value === undefined || value === null || value === "") return undefined;
    if (typeof value !== "string")
      throw new ValidationError(`Expected extra.${key} of ${where} to be a string, got ${describeValue(value)}`);
    return value;
  };
  const endpoint = text("endpoint_url");
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) {
    throw new ValidationError(
      `Expected extra.endpoint_url of ${where} to be a URL such as "http://127.0.0.1:5000", got ${describeValue(endpoint)}`,
    );
  }
  const accessKeyId = connection.login || text("aws_access_key_id");
  const secretAccessKey = connection.password || text("aws_secret_access_key");
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new ValidationError(
      `${where} has ${accessKeyId === undefined ? "a secret (password) but no access key id (login)" : "an access key id (login) but no secret (password)"}; give both, or neither to use the AWS SDK's own credentials`,
    );
  }
  const sessionToken = text("aws_session_token");
  const addressing = (extra.config_kwargs as { s3?: { addressing_style?: unknown } } | undefined)?.s3?.addressing_style;
  return {
    region: text("region_name") ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
    endpoint,
    forcePathStyle: addressing === undefined ? endpoint !== undefined : addressing === "path",
    credentials:
      accessKeyId && secretAccessKey
        ? { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) }
        : undefined,
  };
}
