/**
 * Lab 2, exercise 2 (notebooks/02-ml-pipeline.ipynb): a small status app (the source lab's
 * Flask app, here express) that serves what lab2_last_run recorded in last_run.json.
 *
 * This file is yours. Write the routes:
 *   GET /         302 redirect to /success when the last run's state is "success", else to /failure
 *   GET /success  200, an HTML page saying the pipeline's last run succeeded (name the run)
 *   GET /failure  200, an HTML page saying it did not (name the run and its state)
 *   GET /health   200 with { "status": "ok" }, for a monitoring system to poll
 * Read last_run.json on every request (the DAG rewrites it). `kitelab check lab2` says what is met.
 * Run: PORT=8086 node --import tsx labs/lab2-ml-pipeline/api/status_app.ts
 * A solution is in ../solutions/api/status_app.ts.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import express, { type Express } from "express";

/** The record lab2_last_run writes. */
export interface LastRun {
  dag_id: string;
  dag_run_id: string;
  state: string;
}

/** Builds the app without listening, so it can be tested. `lastRunFile` is last_run.json. */
export function createStatusApp(lastRunFile: string): Express {
  const app = express();
  // TODO (exercise 2): replace this stub, which answers 501 to everything, by the four routes above.
  app.use((_request, response) => {
    response.status(501).send(`The status app is not written yet (lab 2, exercise 2); it will read ${lastRunFile}\n`);
  });
  return app;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const home = process.env.KITELAB_HOME ?? join(homedir(), "kitelab");
  const lastRunFile = process.env.LAB2_LAST_RUN ?? join(home, "labs", "lab2", "last_run.json");
  const port = Number(process.env.PORT ?? 8086);
  const server = createStatusApp(lastRunFile).listen(port, "127.0.0.1", () => {
    const address = server.address();
    console.log(`Lab 2 status app on http://localhost:${typeof address === "object" && address ? address.port : port}`);
  });
}
