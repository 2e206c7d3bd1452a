/**
 * Lab 3, setup: plays the data team that publishes the petrol consumption table to the
 * object store. Run it once before lab3_remote_store.
 * Needs the connection store_default (conn type fs, extra {"root": "<a folder>"}).
 * Try: kitelab dags test labs/lab3-remote-store/dags/lab3_seed_store.ts
 */
import { fileURLToPath } from "node:url";
import { DAG, ObjectStore, requireConnection } from "kitelab";

export const dag = new DAG({
  dagId: "lab3_seed_store",
  description: "Publish the petrol consumption dataset to the object store (setup for lab 3)",
  schedule: null,
  tags: ["lab3"],
  params: {
    source: fileURLToPath(new URL("../data/petrol_consumption.csv", import.meta.url)),
    dataset_key: "datasets/petrol_consumption.csv",
  },
});

dag.task("publish_dataset", async (context) => {
  const store = ObjectStore.fromConnection(requireConnection(context, "store_default", `--conn-type fs --conn-extra '{"root": "/path/to/bucket"}'`));
  const key = String(context.params.dataset_key);
  const stored = await store.upload(String(context.params.source), key);
  context.log.info(`Published ${key} (${stored.size} bytes) to the bucket at ${store.root}`);
  return stored;
});
