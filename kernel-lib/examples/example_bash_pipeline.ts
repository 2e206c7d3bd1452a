/**
 * A first pipeline: shell commands and TypeScript functions, with Airflow's `{{ ds }}`.
 * Try: npx kitelab dags test kernel-lib/examples/example_bash_pipeline.ts 2024-01-01
 */
import { BashOperator, DAG } from "kitelab";

export const dag = new DAG({
  dagId: "example_bash_pipeline",
  description: "Print the date, count words, report: bash and function tasks",
  schedule: "@daily",
  startDate: "2024-01-01",
  catchup: false,
  tags: ["example"],
  doc: "Each run prints its **logical date** (`{{ ds }}`), counts the words of a sentence and reports.",
});

const printDate = new BashOperator({
  dag,
  taskId: "print_date",
  bashCommand: 'echo "Processing data for {{ ds }} (run {{ run_id }})" && date -u +%H:%M:%S',
});

const countWords = dag.task("count_words", async ({ ds, log }) => {
  const sentence = `the logical date of this run is ${ds}`;
  const words = sentence.split(/\s+/).length;
  log.info(`"${sentence}" has ${words} words`);
  return { words, ds };
});

const report = new BashOperator({
  dag,
  taskId: "report",
  bashCommand: "echo 'Report for {{ ds }} is ready ({{ ds_nodash }})'",
});

printDate.then(countWords).then(report);
