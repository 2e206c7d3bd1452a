/**
 * Retries and cleanup: `flaky` fails its first attempt and succeeds when retried;
 * `cleanup` has trigger rule all_done, so it runs even when an upstream task failed
 * (set the param `fail_permanently` to true to see it).
 * Try: npx kitelab dags test kernel-lib/examples/example_retries_cleanup.ts --conf '{"fail_permanently": true}'
 */
import { DAG, TaskError } from "kitelab";

export const dag = new DAG({
  dagId: "example_retries_cleanup",
  description: "A flaky task retried, and a cleanup that always runs",
  schedule: null,
  params: { fail_permanently: false },
  defaultArgs: { retries: 2, retryDelay: "1s" },
  tags: ["example"],
});

const acquire = dag.task("acquire_resources", async ({ log }) => {
  log.info("Renting a (pretend) GPU machine");
  return { machine: "gpu-1" };
});

const flaky = dag.task("flaky", async ({ ti, params, log }) => {
  if (params.fail_permanently === true || ti.tryNumber === 1) {
    log.warn(`Attempt ${ti.tryNumber} of ${ti.maxTries}: the service did not answer`);
    throw new TaskError("the service did not answer");
  }
  log.info(`Attempt ${ti.tryNumber} worked`);
  return "ok";
});

const publish = dag.task("publish", async ({ log }) => log.info("Publishing the results"));

const cleanup = dag.task("cleanup", { triggerRule: "all_done" }, async ({ ti, log }) => {
  const machine = ti.xcomPull<{ machine: string }>("acquire_resources")?.machine;
  log.info(`Releasing ${machine ?? "nothing"}: this runs whatever happened upstream`);
});

acquire.then(flaky).then([publish, cleanup]);
