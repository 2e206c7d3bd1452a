/**
 * Lab 3, setup: plays the data team that publishes the petrol consumption table to S3.
 * Run it once before lab3_remote_store: it creates the bucket if needed and uploads the CSV.
 * Needs the connection aws_default (conn type aws; login/password = access key and secret;
 * extra {"endpoint_url": "http://127.0.0.1:5000", "region_name": "us-east-1"} for a local server).
 * Try: kitelab dags test labs/lab3-remote-store/dags/lab3_seed_store.ts
 */
import { fileURLToPath } from "node:url";
import { DAG, S3Hook } from "kitelab";

export const dag = new DAG({
  dagId: "lab3_seed_store",
  description: "Publish the petrol consumption dataset to S3 (setup for lab 3)",
  schedule: null,
  tags: ["lab3"],
  params: {
    source: fileURLToPath(new URL("../data/petrol_consumption.csv", import.meta.url)),
    bucket_name: "kitelab-lab3",
    dataset_key: "datasets/petrol_consumption.csv",
  },
});

dag.task("publish_dataset", async (context) => {
  const s3 = new S3Hook({ awsConnId: "aws_default" });
  const bucket = String(context.params.bucket_name);
  const key = String(context.params.dataset_key);
  if (!(await s3.checkForBucket(bucket))) {
    await s3.createBucket(bucket);
    context.log.info(`Created the bucket ${bucket}`);
  }
  await s3.loadFile(String(context.params.source), key, bucket, { replace: true });
  context.log.info(`Published s3://${bucket}/${key}`);
  return `s3://${bucket}/${key}`;
});
