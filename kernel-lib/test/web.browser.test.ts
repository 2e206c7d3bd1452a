import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { startWebApp } from "./helpers/webFakes.js";
import { demoWorld, fakeOutbox } from "./helpers/webDemo.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../test-artifacts/web/", import.meta.url));
const WAIT = { timeout: 15_000 };

/**
 * The pages in real headless Chromium: what a student does on a first afternoon. Screenshots
 * of every main page land in kernel-lib/test-artifacts/web/ (git-ignored) to be looked at.
 */
describe(
  "the pages in a real browser",
  { skip: existsSync(CHROMIUM) ? false : `no ${CHROMIUM} (apt-get install chromium)` },
  () => {
    let app: Awaited<ReturnType<typeof startWebApp>>;
    let browser: Browser;
    let page: Page;
    const consoleErrors: string[] = [];
    const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });

    before(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      app = await startWebApp({ world: demoWorld(), outbox: fakeOutbox() });
      const failed = app.world.runList.find((run) => run.dagId === "ml_pipeline" && run.state === "failed")!;
      app.writeLog(
        "ml_pipeline",
        failed.runId,
        "train_model",
        1,
        "[2021-06-07 12:00:01] INFO - fitting LogisticRegression on 700 rows\n[2021-06-07 12:00:02] ERROR - ValueError: Input contains NaN\n<script>alert('not run')</script>\n",
      );
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--no-first-run",
        ],
      });
      page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
      page.on("console", (message) => {
        if (message.type() === "error") consoleErrors.push(message.text());
      });
      page.on("pageerror", (error) => consoleErrors.push(error.message));
      // The buttons need a session bound to the API token, as a student gets by signing in.
      await page.goto(`${app.url}/login?token=s3cret-token`);
    });

    after(async () => {
      await browser?.close();
      await app?.close();
    });

    it("shows the DAG list with import errors, run squares and switches", async () => {
      await page.goto(`${app.url}/dags`);
      assert.equal(await page.locator(".import-errors").count(), 1);
      assert.ok((await page.locator('[data-dag-row="ml_pipeline"] .square').count()) >= 10);
      await shot("01-dag-list");
    });

    it("triggers a run with the button, then watches the graph turn green as the run progresses", async () => {
      await page.locator('[data-dag-row="status_check"] [data-trigger]').click();
      await page.waitForURL(/\/dags\/status_check\?run_id=manual__/, WAIT);
      const runId = new URL(page.url()).searchParams.get("run_id")!;
      assert.equal(await page.locator('.run-head [data-run-state="queued"]').count(), 1);
      assert.equal(await page.locator(`[data-run-square="${runId}"]`).count(), 1, "the new run appears in the history");
      await shot("02-dag-triggered");

      app.world.progress("status_check", runId, { check: "running" }, "running");
      await page.waitForSelector('svg [data-task-id="check"].state-running', WAIT);
      await page.waitForSelector('[data-task-row="check"] [data-field="log"] a', WAIT);
      await shot("03-dag-running");

      app.writeLog("status_check", runId, "check", 1, "checking the last run of ml_pipeline\n");
      await page.locator('[data-task-row="check"] [data-field="log"] a').click();
      await page.waitForSelector("[data-log-follow]", WAIT);
      await page.locator("[data-log]", { hasText: "checking the last run" }).waitFor(WAIT);
      app.writeLog("status_check", runId, "check", 1, "checking the last run of ml_pipeline\nlast run: success\n");
      await page.locator("[data-log]", { hasText: "last run: success" }).waitFor(WAIT);
      await shot("04-log-following");

      app.world.progress("status_check", runId, { check: "success" }, "success");
      await page.waitForSelector('[data-field="log-state"].state-success', WAIT);
      await page.goBack();
      await page.waitForSelector('svg [data-task-id="check"].state-success', WAIT);
      await page.waitForSelector('.run-head [data-run-state="success"]', WAIT);
      await shot("05-dag-success");
    });

    it("shows a failed run's graph, the task log with hostile text as text, and the documentation", async () => {
      const failed = app.world.runList.find((run) => run.dagId === "ml_pipeline" && run.state === "failed")!;
      await page.goto(`${app.url}/dags/ml_pipeline?run_id=${encodeURIComponent(failed.runId)}`);
      assert.equal(await page.locator('svg [data-task-id="train_model"].state-failed').count(), 1);
      await shot("06-dag-failed-run");
      await page.locator('[data-task-row="train_model"] [data-field="log"] a').click();
      await page.waitForSelector("[data-log]", WAIT);
      assert.match((await page.locator("[data-log]").textContent()) ?? "", /<script>alert\('not run'\)<\/script>/);
      await shot("07-log-failed");
    });

    it("shows the status pages and the outbox", async () => {
      await page.goto(`${app.url}/`);
      assert.match(page.url(), /\/success$/);
      await shot("08-status-success");
      await page.goto(`${app.url}/failure?dag_id=etl_daily`);
      await shot("09-status-failure-mismatch");
      await page.goto(`${app.url}/outbox`);
      await shot("10-outbox");
      await page.goto(`${app.url}/no/such/page`);
      await shot("11-not-found");
    });

    it("ran without a script error or a Content-Security-Policy violation", () => {
      assert.deepEqual(
        consoleErrors.filter((text) => !/status of 404/.test(text)),
        [],
      );
    });
  },
);
