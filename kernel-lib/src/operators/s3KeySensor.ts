import { ValidationError, describeValue } from "../errors.js";
import { S3Hook } from "../hooks/s3Hook.js";
import { BaseSensorOperator, type BaseSensorOptions } from "./baseSensor.js";

export interface S3KeySensorOptions extends BaseSensorOptions {
  /** The key to wait for (a template); `s3://bucket/key` when `bucketName` is not given. */
  bucketKey: string;
  /** The bucket (a template). */
  bucketName?: string;
  /** Treat `*` and `?` in the key as wildcards. @default false */
  wildcardMatch?: boolean;
  /** The AWS connection. @default "aws_default" */
  awsConnId?: string;
}

/**
 * Waits until a key exists in an S3 bucket (Airflow's S3KeySensor), checking every `pokeInterval`.
 * @example new S3KeySensor({ dag, taskId: "wait_for_data", bucketName: "lab3", bucketKey: "datasets/{{ ds }}.csv", pokeInterval: "30s" })
 */
export class S3KeySensor extends BaseSensorOperator<string> {
  readonly operatorName = "S3KeySensor";
  override readonly templateFields = ["bucketKey", "bucketName"] as const;
  readonly bucketKey: string;
  readonly bucketName: string | undefined;
  readonly wildcardMatch: boolean;
  readonly awsConnId: string;

  constructor(options: S3KeySensorOptions) {
    const { bucketKey, bucketName, wildcardMatch, awsConnId, ...rest } = options;
    super(rest);
    if (typeof bucketKey !== "string" || bucketKey === "") {
      throw new ValidationError(
        `S3KeySensor '${rest.taskId}': expected \`bucketKey\` to be a key such as "datasets/{{ ds }}.csv", got ${describeValue(bucketKey)}`,
      );
    }
    this.bucketKey = bucketKey;
    this.bucketName = bucketName;
    this.wildcardMatch = wildcardMatch ?? false;
    this.awsConnId = awsConnId ?? "aws_default";
  }

  async poke(): Promise<string | undefined> {
    const hook = new S3Hook({ awsConnId: this.awsConnId });
    const found = this.wildcardMatch
      ? await hook.checkForWildcardKey(this.bucketKey, this.bucketName)
      : await hook.checkForKey(this.bucketKey, this.bucketName);
    return found ? this.describeTarget() : undefined;
  }

  describeTarget(): string {
    return this.bucketName ? `s3://${this.bucketName}/${this.bucketKey}` : this.bucketKey;
  }
}
