/**
 * Branching: a task chooses which path to follow; the other path is skipped, and the join
 * runs with the trigger rule none_failed_min_one_success.
 * Try: npx kitelab dags test kernel-lib/examples/example_branching.ts 2024-01-06
 */
import { BranchOperator, DAG, EmptyOperator } from "kitelab";

export const dag = new DAG({
  dagId: "example_branching",
  description: "Weekday or weekend: a branch picks one path",
  schedule: "@daily",
  startDate: "2024-01-01",
  catchup: false,
  tags: ["example"],
});

const choose = new BranchOperator({
  dag,
  taskId: "weekday_or_weekend",
  chooseBranch: ({ logical_date }) => {
    const day = logical_date.getUTCDay();
    return day === 0 || day === 6 ? "weekend_report" : "weekday_report";
  },
});

const weekday = dag.task("weekday_report", async ({ ds, log }) => log.info(`${ds} is a weekday: full report`));
const weekend = dag.task("weekend_report", async ({ ds, log }) => log.info(`${ds} is a weekend: short report`));
const join = new EmptyOperator({ dag, taskId: "join", triggerRule: "none_failed_min_one_success" });

choose.then([weekday, weekend]);
join.after([weekday, weekend]);
