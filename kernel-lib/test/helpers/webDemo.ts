import { FakeKitelab, fakeOutbox, serializedDag } from "./webFakes.js";

/** A world that looks like a student's Lab 2 afternoon: a few DAGs, many runs, one import error. */
export function demoWorld(): FakeKitelab {
  const world = new FakeKitelab();
  world.heartbeat = { at: world.clock.toISOString(), pid: 4321, hostname: "laptop" };
  world.addDag(
    serializedDag(
      "ml_pipeline",
      [
        { taskId: "load_data", operator: "PythonOperator" },
        { taskId: "preprocess", upstream: ["load_data"] },
        { taskId: "separate_outputs", upstream: ["preprocess"] },
        { taskId: "train_model", upstream: ["separate_outputs"] },
        { taskId: "evaluate_model", upstream: ["train_model"] },
        { taskId: "send_email", upstream: ["evaluate_model"], operator: "EmailOperator" },
        { taskId: "trigger_status", upstream: ["send_email"], operator: "TriggerDagRunOperator" },
      ],
      {
        description: "Lab 2: click-prediction model, email and status page",
        tags: ["lab2", "ml"],
        schedule: "0 12 * * *",
        doc: "# ML pipeline\n\nTrains a **logistic regression** on the *advertising* dataset.\n\n- 70/30 split\n- `MinMaxScaler` then `StandardScaler`\n\nSee [Airflow docs](https://airflow.apache.org/docs/).",
      },
    ),
    { nextRunAfter: "2024-03-02T12:00:00.000Z", nextLogicalDate: "2024-03-01T12:00:00.000Z" },
  );
  world.addDag(
    serializedDag(
      "etl_daily",
      [
        { taskId: "extract" },
        { taskId: "transform", upstream: ["extract"] },
        { taskId: "load", upstream: ["transform"] },
      ],
      { tags: ["lab1"] },
    ),
    { isPaused: true },
  );
  world.addDag(serializedDag("status_check", [{ taskId: "check" }], { schedule: null }));
  const start = Date.parse("2021-06-01T12:00:00Z");
  for (let day = 0; day < 1000; day += 1) {
    const logicalDate = new Date(start + day * 86_400_000).toISOString();
    const failed = day % 17 === 5;
    world.addRun(
      "ml_pipeline",
      { state: failed ? "failed" : "success", logicalDate },
      failed
        ? {
            load_data: "success",
            preprocess: "success",
            separate_outputs: "success",
            train_model: "failed",
            evaluate_model: "upstream_failed",
            send_email: "upstream_failed",
            trigger_status: "upstream_failed",
          }
        : {},
    );
  }
  for (let day = 0; day < 6; day += 1) {
    world.addRun(
      "etl_daily",
      { state: day === 3 ? "failed" : "success", logicalDate: new Date(start + day * 86_400_000).toISOString() },
      day === 3 ? { extract: "success", transform: "failed", load: "upstream_failed" } : {},
    );
  }
  world.problems = [
    {
      name: "DagDefinitionError",
      message: "DAG 'broken': the task 'b' depends on itself; remove the cycle b >> b",
      line: 12,
      file: "/home/student/dags/broken.ts",
      timestamp: "2024-03-01T11:59:00Z",
    },
  ];
  return world;
}

export { fakeOutbox };
