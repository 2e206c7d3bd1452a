/**
 * A solution to lab 2, exercise 2 (copy it over ../../api/status_app.ts to compare): a small
 * status app (the source lab's Flask app, here express) over last_run.json.
 * Run: PORT=8086 node --import tsx labs/lab2-ml-pipeline/api/status_app.ts
 */
import { readFile } from "node:fs/promises";
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

async function readLastRun(file: string): Promise<LastRun | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as LastRun;
  } catch {
    return undefined;
  }
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** Builds the app without listening, so it can be tested. `lastRunFile` is last_run.json. */
export function createStatusApp(lastRunFile: string): Express {
  const app = express();
  app.get("/", async (_request, response) => {
    const last = await readLastRun(lastRunFile);
    response.redirect(302, last?.state === "success" ? "/success" : "/failure");
  });
  app.get("/success", async (_request, response) => {
    const last = await readLastRun(lastRunFile);
    response.send(
      `<h1>Success</h1><p>The last run of ${escapeHtml(last?.dag_id ?? "the pipeline")}, ${escapeHtml(last?.dag_run_id ?? "?")}, succeeded.</p>`,
    );
  });
  app.get("/failure", async (_request, response) => {
    const last = await readLastRun(lastRunFile);
    response.send(
      last
        ? `<h1>Failure</h1><p>The last run of ${escapeHtml(last.dag_id)}, ${escapeHtml(last.dag_run_id)}, is ${escapeHtml(last.state)}.</p>`
        : `<h1>Failure</h1><p>No run recorded yet in ${escapeHtml(lastRunFile)}.</p>`,
    );
  });
  app.get("/health", (_request, response) => {
    response.json({ status: "ok" });
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
