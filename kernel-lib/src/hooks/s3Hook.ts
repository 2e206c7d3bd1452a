import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { S3Client } from "@aws-sdk/client-s3";
import { ValidationError, describeValue } from "../errors.js";
import { getConnection } from "../connections/lookup.js";
import { AWS_CONNECTION_EXAMPLE, awsClientSettings, type AwsClientSettings } from "./awsConnection.js";
import { describeS3Error, S3HookError } from "./s3Errors.js";

export interface S3HookOptions {
  /** The Airflow AWS connection to use (`conn_type` aws). @default "aws_default" */
  awsConnId?: string;
}

export interface LoadOptions {
  /** Overwrite the key if it exists; otherwise an existing key is an error (Airflow's default). @default false */
  replace?: boolean;
}

export interface ListKeysOptions {
  /** Only keys that start with this. @default "" */
  prefix?: string;
  /** Group keys below the next delimiter (`"/"` lists one "folder" level). @default "" */
  delimiter?: string;
}

type S3Sdk = typeof import("@aws-sdk/client-s3");

/**
 * Airflow's S3Hook on the AWS SDK for JavaScript: the bucket's address and the credentials live
 * in an AWS connection (login = access key id, password = secret, extra.region_name,
 * extra.endpoint_url for moto or MinIO), so the same DAG runs against AWS or a local server by
 * changing only the connection. Keys may also be written `s3://bucket/key` with no bucket name.
 * @example
 * const s3 = new S3Hook({ awsConnId: "aws_default" });
 * await s3.loadFile("/tmp/model.json", `models/${ds}/model.json`, "lab3", { replace: true });
 */
export class S3Hook {
  readonly awsConnId: string;
  private client?: Promise<{ sdk: S3Sdk; client: S3Client; settings: AwsClientSettings }>;

  constructor(options: S3HookOptions = {}) {
    const awsConnId = options.awsConnId ?? "aws_default";
    if (typeof awsConnId !== "string" || awsConnId === "")
      throw new ValidationError(
        `Expected \`awsConnId\` to be a connection id such as "aws_default", got ${describeValue(awsConnId)}`,
      );
    this.awsConnId = awsConnId;
  }

  /** The SDK's S3Client for this connection (created on first use, then kept). */
  async getConn(): Promise<S3Client> {
    return (await this.connect()).client;
  }

  /** Creates a bucket (in the connection's region). */
  async createBucket(bucketName: string, regionName?: string): Promise<void> {
    const { sdk, client, settings } = await this.connect();
    const region = regionName ?? settings.region;
    await this.call("create", { bucket: bucketName }, () =>
      client.send(
        new sdk.CreateBucketCommand({
          Bucket: bucketName,
          ...(region === "us-east-1" ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
        }),
      ),
    );
  }

  /** True when the bucket exists and the connection may see it. */
  async checkForBucket(bucketName: string): Promise<boolean> {
    const { sdk, client } = await this.connect();
    return this.exists({ bucket: bucketName }, () => client.send(new sdk.HeadBucketCommand({ Bucket: bucketName })));
  }

  /** Uploads a local file as `key`. */
  async loadFile(filename: string, key: string, bucketName?: string, options: LoadOptions = {}): Promise<void> {
    const body = await readFile(filename).catch((error: NodeJS.ErrnoException) => {
      throw new ValidationError(
        `Cannot upload ${filename}: ${error.code === "ENOENT" ? "no such file" : error.message}`,
        { cause: error },
      );
    });
    await this.put(body, key, bucketName, options);
  }

  /** Uploads a string (UTF-8) as `key`. */
  async loadString(stringData: string, key: string, bucketName?: string, options: LoadOptions = {}): Promise<void> {
    await this.put(Buffer.from(stringData, "utf8"), key, bucketName, options);
  }

  /** The object's content as text (UTF-8). */
  async readKey(key: string, bucketName?: string): Promise<string> {
    const { sdk, client } = await this.connect();
    const target = this.target(key, bucketName);
    return this.call("read", target, async () => {
      const response = await client.send(new sdk.GetObjectCommand({ Bucket: target.bucket, Key: target.key }));
      return (await response.Body?.transformToString("utf8")) ?? "";
    });
  }

  /**
   * Downloads `key` to `localPath`: a file path, or an existing folder (then the file keeps the
   * key's name). Written to a temporary file first, so a failed download leaves nothing half-written.
   * @returns the path of the downloaded file
   */
  async downloadFile(key: string, bucketName: string | undefined, localPath: string): Promise<string> {
    const { sdk, client } = await this.connect();
    const target = this.target(key, bucketName);
    const isFolder = await stat(localPath).then(
      (info) => info.isDirectory(),
      () => false,
    );
    const file = isFolder ? join(localPath, basename(target.key)) : localPath;
    await mkdir(dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    try {
      await this.call("download", target, async () => {
        const response = await client.send(new sdk.GetObjectCommand({ Bucket: target.bucket, Key: target.key }));
        await pipeline(response.Body as Readable, createWriteStream(partial));
      });
      await rename(partial, file);
    } finally {
      await rm(partial, { force: true });
    }
    return file;
  }

  /** The keys of a bucket, all pages of them, optionally under a prefix. */
  async listKeys(bucketName: string, options: ListKeysOptions = {}): Promise<string[]> {
    const { sdk, client } = await this.connect();
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.call("list the keys of", { bucket: bucketName }, () =>
        client.send(
          new sdk.ListObjectsV2Command({
            Bucket: bucketName,
            Prefix: options.prefix || undefined,
            Delimiter: options.delimiter || undefined,
            ContinuationToken: token,
          }),
        ),
      );
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys;
  }

  /** True when the key exists (false for a missing key or bucket, as Airflow's). */
  async checkForKey(key: string, bucketName?: string): Promise<boolean> {
    const { sdk, client } = await this.connect();
    const target = this.target(key, bucketName);
    return this.exists(target, () =>
      client.send(new sdk.HeadObjectCommand({ Bucket: target.bucket, Key: target.key })),
    );
  }

  /** True when some key matches a `*`/`?` pattern (Airflow's check_for_wildcard_key). */
  async checkForWildcardKey(wildcardKey: string, bucketName?: string): Promise<boolean> {
    const target = this.target(wildcardKey, bucketName);
    const prefix = target.key.split(/[*?]/, 1)[0] ?? "";
    const pattern = new RegExp(
      `^${target.key
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".")}$`,
    );
    return (await this.listKeys(target.bucket, { prefix })).some((key) => pattern.test(key));
  }

  /** Deletes keys (a missing key is not an error, as in S3). */
  async deleteObjects(bucket: string, keys: string | readonly string[]): Promise<void> {
    const { sdk, client } = await this.connect();
    const all = typeof keys === "string" ? [keys] : [...keys];
    // S3 takes at most 1000 keys per request.
    for (let start = 0; start < all.length; start += 1000) {
      const batch = all.slice(start, start + 1000);
      const response = await this.call("delete keys from", { bucket }, () =>
        client.send(
          new sdk.DeleteObjectsCommand({
            Bucket: bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        ),
      );
      const errors = response.Errors ?? [];
      if (errors.length > 0) {
        const list = errors.map((e) => `${e.Key}: ${e.Code} ${e.Message ?? ""}`.trim()).join("; ");
        throw new S3HookError(
          "other",
          `Could not delete ${errors.length} key(s) from bucket '${bucket}' (connection '${this.awsConnId}'): ${list}`,
        );
      }
    }
  }

  private async put(body: Buffer, key: string, bucketName: string | undefined, options: LoadOptions): Promise<void> {
    const { sdk, client } = await this.connect();
    const target = this.target(key, bucketName);
    if (!options.replace && (await this.checkForKey(target.key, target.bucket))) {
      throw new S3HookError(
        "key_exists",
        `Cannot upload key '${target.key}' in bucket '${target.bucket}': the key already exists (connection '${this.awsConnId}'). Pass { replace: true } to overwrite it.`,
      );
    }
    await this.call("upload", target, () =>
      client.send(new sdk.PutObjectCommand({ Bucket: target.bucket, Key: target.key, Body: body })),
    );
  }

  private connect() {
    this.client ??= (async () => {
      const settings = awsClientSettings(getConnection(this.awsConnId, AWS_CONNECTION_EXAMPLE));
      const sdk = await import("@aws-sdk/client-s3");
      const client = new sdk.S3Client({
        region: settings.region,
        endpoint: settings.endpoint,
        forcePathStyle: settings.forcePathStyle,
        credentials: settings.credentials,
      });
      return { sdk, client, settings };
    })();
    // A failed lookup is not kept: the student may define the connection and call again.
    this.client.catch(() => (this.client = undefined));
    return this.client;
  }

  /** Bucket and key from the arguments, or from an `s3://bucket/key` URL. */
  private target(key: string, bucketName: string | undefined): { bucket: string; key: string } {
    if (typeof key !== "string" || key === "")
      throw new ValidationError(`Expected an S3 key such as "models/2024-01-01/model.json", got ${describeValue(key)}`);
    if (bucketName !== undefined && bucketName !== "") return { bucket: bucketName, key };
    const url = /^s3:\/\/([^/]+)\/(.+)$/.exec(key);
    if (url) return { bucket: url[1]!, key: url[2]! };
    throw new ValidationError(`No bucket for key '${key}': pass a bucket name, or write the key as s3://bucket/${key}`);
  }

  private async call<T>(action: string, target: { bucket: string; key?: string }, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof S3HookError || error instanceof ValidationError) throw error;
      const { settings } = await this.connect();
      throw describeS3Error(error, action, {
        ...target,
        connId: this.awsConnId,
        endpoint: settings.endpoint ?? `AWS S3 (${settings.region})`,
      });
    }
  }

  /** HEAD requests: a 404 is "no", anything else that fails is an error. */
  private async exists(target: { bucket: string; key?: string }, head: () => Promise<unknown>): Promise<boolean> {
    try {
      await this.call("check", target, head);
      return true;
    } catch (error) {
      const status = (error as { cause?: { $metadata?: { httpStatusCode?: number } } }).cause?.$metadata
        ?.httpStatusCode;
      if (
        error instanceof S3HookError &&
        (status === 404 || error.problem === "no_such_key" || error.problem === "no_such_bucket")
      )
        return false;
      throw error;
    }
  }
}
