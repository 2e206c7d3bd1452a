/**
 * Lab 1, part 1: your first DAG. Three tasks, two dependencies, a daily schedule.
 * Try: kitelab dags test labs/lab1-first-dags/dags/lab1_hello.ts 2024-01-01
 */
import { BashOperator, DAG } from "kitelab";

export const dag = new DAG({
  dagId: "lab1_hello",
  description: "Print the date, greet, and say goodbye: tasks and dependencies",
  schedule: "@daily",
  startDate: "2024-01-01",
  catchup: false,
  tags: ["lab1"],
  doc: "Lab 1: a task is one step; `a.then(b)` makes b wait for a. The schedule runs it once a day.",
});

const printDate = new BashOperator({ dag, taskId: "print_date", bashCommand: "echo 'Today is {{ ds }}'" });

const greet = dag.task("greet", async ({ ds, log }) => {
  log.info(`Hello from Kitelab! This run's logical date is ${ds}`);
  return `greeted on ${ds}`;
});

const goodbye = dag.task("goodbye", async ({ ti, log }) => {
  log.info(`greet said: ${ti.xcomPull<string>("greet")}`);
});

printDate.then(greet).then(goodbye);
