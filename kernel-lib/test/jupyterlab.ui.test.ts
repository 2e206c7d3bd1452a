// The kitelab-jupyterlab extension in a real JupyterLab (.venv) driven by headless Chromium.
// The scheduler behind jupyter-server-proxy is the real `kitelab standalone` (expectations are read
// from its API); KITELAB_UI_BACKEND=fake swaps in extension/test/fake/fake-kitelab.mjs.
// Screenshots go to test-artifacts/jupyterlab-*.png.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { writeConfigValue } from "../src/config/index.js";
import { markedProcesses } from "./helpers/markedProcesses.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const venvBin = path.join(repo, ".venv", "bin");
const jupyter = path.join(venvBin, "jupyter");
const chromiumPath = "/usr/bin/chromium";
const fakeBackend = path.join(repo, "extension", "test", "fake", "fake-kitelab.mjs");
const installedExtension = path.join(
  repo,
  ".venv",
  "share",
  "jupyter",
  "labextensions",
  "kitelab-jupyterlab",
  "package.json",
);
const artifacts = path.join(repo, "test-artifacts");
// The real `kitelab standalone` by default; KITELAB_UI_BACKEND=fake uses the small fake for quick front-end work.
const useRealBackend = process.env.KITELAB_UI_BACKEND !== "fake";

function skipReason(): string | false {
  if (process.env.KITELAB_SKIP_BROWSER === "1") return "KITELAB_SKIP_BROWSER=1";
  if (!fs.existsSync(jupyter)) return `no ${jupyter}: run \`npm run setup\``;
  if (!fs.existsSync(chromiumPath)) return `no ${chromiumPath}: run \`npm run setup\` (it installs Debian's chromium)`;
  return false;
}

interface Dag {
  dag_id: string;
  is_paused: boolean;
}

interface DagRun {
  dag_id: string;
  dag_run_id: string;
  state: string;
  start_date: string | null;
  logical_date: string | null;
}

/** Retries `probe` until it returns a value other than undefined; the limit only bounds a failure. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, limitMs = 60_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Gave up waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ""}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe("kitelab-jupyterlab in JupyterLab (headless Chromium)", { skip: skipReason() }, () => {
  const token = `kitelab-ui-${process.pid}`;
  // Every process this JupyterLab starts (kernels, the scheduler, its workers) inherits this mark.
  const mark = `kitelab-ui-${process.pid}-${Date.now()}`;
  let work = "";
  let base = "";
  let lab: ChildProcess | undefined;
  let labLog = "";
  let browser: Browser | undefined;
  let page: Page;

  const api = async <T>(route: string): Promise<T> => {
    const response = await fetch(`${base}${route}`, { headers: { Authorization: `token ${token}` } });
    assert.ok(response.ok, `GET ${route} answered ${response.status}`);
    return (await response.json()) as T;
  };

  const shoot = async (name: string): Promise<void> => {
    await page.screenshot({ path: path.join(artifacts, `jupyterlab-${name}.png`) });
  };

  /** Runs one step; on failure keeps a screenshot and the end of JupyterLab's log in the message. */
  const step = (name: string, body: () => Promise<void>) =>
    it(name, async () => {
      try {
        await body();
      } catch (error) {
        await page?.screenshot({ path: path.join(artifacts, "jupyterlab-failure.png") }).catch(() => undefined);
        const log = fs.existsSync(labLog) ? fs.readFileSync(labLog, "utf8").split("\n").slice(-25).join("\n") : "";
        throw new Error(`${(error as Error).message}\n--- jupyter lab log (end) ---\n${log}`, { cause: error });
      }
    });

  before(async () => {
    assert.ok(
      fs.existsSync(installedExtension),
      `kitelab-jupyterlab is not installed in .venv (${installedExtension}): run \`npm run setup\``,
    );
    fs.mkdirSync(artifacts, { recursive: true });
    work = fs.mkdtempSync(path.join(os.tmpdir(), "kitelab-ui-"));
    const dirs = Object.fromEntries(
      ["home", "root", "config", "runtime", "settings", "workspaces"].map((name) => {
        const dir = path.join(work, name);
        fs.mkdirSync(dir);
        return [name, dir];
      }),
    );
    // A notebook beside the repository's packages, so that `import ... from "kitelab"` resolves as in notebooks/.
    fs.symlinkSync(path.join(repo, "node_modules"), path.join(dirs.root!, "node_modules"));
    fs.writeFileSync(path.join(dirs.root!, "first-dag.ipynb"), JSON.stringify(firstDagNotebook(), null, 1));
    fs.copyFileSync(path.join(repo, "notebooks", "00-tour.ipynb"), path.join(dirs.root!, "00-tour.ipynb"));
    const port = await freePort();
    base = `http://127.0.0.1:${port}/`;
    labLog = path.join(work, "jupyter-lab.log");
    const log = fs.openSync(labLog, "w");
    const args = [
      "lab",
      "--no-browser",
      `--port=${port}`,
      "--ip=127.0.0.1",
      "--ServerApp.port_retries=0",
      `--IdentityProvider.token=${token}`,
      `--ServerApp.root_dir=${dirs.root}`,
      "--LabApp.expose_app_in_browser=True",
    ];
    if (process.getuid?.() === 0) args.push("--allow-root");
    lab = spawn(jupyter, args, {
      cwd: dirs.root,
      detached: true,
      stdio: ["ignore", log, log],
      env: {
        ...process.env,
        KITELAB_UI_TEST_MARK: mark,
        PATH: `${venvBin}${path.delimiter}${process.env.PATH ?? ""}`,
        KITELAB_HOME: dirs.home,
        KITELAB_REPO: repo,
        ...(useRealBackend
          ? { KITELAB__CORE__DAGS_ARE_PAUSED_AT_CREATION: "False" }
          : { KITELAB_COMMAND: `"${process.execPath}" "${fakeBackend}"`, FAKE_KITELAB_RUN_MS: "1500" }),
        JUPYTER_CONFIG_DIR: dirs.config,
        JUPYTER_RUNTIME_DIR: dirs.runtime,
        JUPYTERLAB_SETTINGS_DIR: dirs.settings,
        JUPYTERLAB_WORKSPACES_DIR: dirs.workspaces,
      },
    });
    fs.closeSync(log);
    await waitFor("jupyter lab to answer /api/status", async () => {
      const response = await fetch(`${base}api/status`, { headers: { Authorization: `token ${token}` } });
      return response.ok ? true : undefined;
    });
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
      ],
    });
    page = await browser.newPage({ viewport: { width: 1360, height: 820 } });
    await page.goto(`${base}lab?token=${token}`);
  });

  after(async () => {
    await browser?.close();
    // Only when a step failed before the last one stopped JupyterLab.
    if (lab?.pid !== undefined && lab.exitCode === null) {
      const exited = new Promise((resolve) => lab!.once("exit", resolve));
      process.kill(-lab.pid, "SIGTERM");
      const stopped = await Promise.race([
        exited.then(() => true),
        new Promise((r) => setTimeout(() => r(false), 10_000)),
      ]);
      if (!stopped) process.kill(-lab.pid, "SIGKILL");
    }
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  step("the Launcher shows the Kitelab cards in their own section, without starting the scheduler", async () => {
    const cards = page.locator('.jp-LauncherCard[data-category="Kitelab"]');
    await cards.first().waitFor({ timeout: 60_000 });
    assert.deepEqual(await cards.locator(".jp-LauncherCard-label").allInnerTexts(), [
      "Kitelab Scheduler",
      "Kitelab Status",
    ]);
    assert.equal(
      await cards.first().locator('svg[data-icon="kitelab:kite"]').count(),
      1,
      "the scheduler card has the kite icon",
    );
    const status = page.locator(".kl-StatusItem");
    await status.waitFor();
    assert.equal(await status.getAttribute("data-scheduler"), "not-started");
    assert.match(await status.innerText(), /Kitelab: not started/);
    const process = await api<{ state: string }>("api/kitelab/scheduler");
    assert.equal(process.state, "not-started", "loading JupyterLab and polling must not start the scheduler");
    // The repository's JupyterLab settings (.venv/share/jupyter/lab/settings/overrides.json) turn the news toast off.
    const notification = await page.evaluate(async () => {
      const app = (
        globalThis as unknown as {
          jupyterapp: {
            serviceManager: {
              settings: {
                fetch(id: string): Promise<{ schema: { properties: Record<string, { default?: unknown }> } }>;
              };
            };
          };
        }
      ).jupyterapp;
      const { schema } = await app.serviceManager.settings.fetch("@jupyterlab/apputils-extension:notification");
      return {
        fetchNews: schema.properties.fetchNews?.default,
        checkForUpdates: schema.properties.checkForUpdates?.default,
      };
    });
    assert.deepEqual(notification, { fetchNews: "false", checkForUpdates: false });
    await cards.first().scrollIntoViewIfNeeded();
    await shoot("launcher");
  });

  step("the commands are registered and listed in the palette", async () => {
    const ids = [
      "kitelab:open-scheduler",
      "kitelab:open-status",
      "kitelab:trigger-dag",
      "kitelab:refresh",
      "kitelab:toggle-pause",
      "kitelab:restart-scheduler",
    ];
    const registered = await page.evaluate(
      (wanted) =>
        wanted.filter((id) =>
          (
            globalThis as unknown as { jupyterapp: { commands: { hasCommand(id: string): boolean } } }
          ).jupyterapp.commands.hasCommand(id),
        ),
      ids,
    );
    assert.deepEqual(registered, ids);
    await page.keyboard.press("Control+Shift+C");
    const input = page.locator(".lm-CommandPalette-input");
    await input.waitFor();
    await input.fill("kitelab");
    const items = page.locator(".lm-CommandPalette-item:visible .lm-CommandPalette-itemLabel");
    await waitFor(
      "the palette to list the Kitelab commands",
      async () => ((await items.count()) >= 4 ? true : undefined),
      10_000,
    );
    const labels = await items.allInnerTexts();
    for (const label of [
      "Open Kitelab Scheduler",
      "Open Kitelab Status Page",
      "Trigger a Kitelab DAG…",
      "Refresh Kitelab Status",
      "Restart Kitelab Scheduler",
    ]) {
      assert.ok(labels.includes(label), `palette lacks "${label}": ${labels.join(", ")}`);
    }
    await page.keyboard.press("Escape");
  });

  step("the Kitelab Scheduler card starts the scheduler and opens its page in a tab", async () => {
    await page.locator('.jp-LauncherCard[data-category="Kitelab"]').first().click();
    const tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current", { hasText: "Kitelab Scheduler" });
    await tab.waitFor();
    // Not a blank tab while the scheduler starts: a page inside the tab says so, until the scheduler's page arrives.
    const starting = page.locator(".kl-Frame .kl-Frame-waiting");
    await starting.waitFor({ timeout: 5_000 });
    assert.match(await starting.innerText(), /Starting the Kitelab scheduler…/);
    await shoot("scheduler-starting");
    const iframe = page.locator(".kl-Frame iframe");
    assert.deepEqual((await iframe.getAttribute("sandbox"))?.split(" ").sort(), [
      "allow-forms",
      "allow-same-origin",
      "allow-scripts",
    ]);
    const dags = await api<{ dags: Dag[] }>("kitelab/api/v1/dags");
    const firstDag = dags.dags[0]?.dag_id;
    assert.ok(firstDag, "the scheduler lists at least one DAG");
    await page
      .frameLocator(".kl-Frame iframe")
      .getByText(firstDag, { exact: true })
      .first()
      .waitFor({ timeout: 60_000 });
    await starting.waitFor({ state: "detached", timeout: 10_000 });
    const status = page.locator('.kl-StatusItem[data-scheduler="healthy"]');
    await status.waitFor({ timeout: 30_000 });
    const latest = await latestRun(dags.dags);
    if (latest) {
      const word = { success: "succeeded", failed: "failed", running: "running", queued: "queued" }[latest.state];
      await page.locator(".kl-StatusItem-run", { hasText: `${latest.dag_id} ${word}` }).waitFor({ timeout: 15_000 });
      const tone = latest.state === "success" ? "success" : latest.state === "failed" ? "failed" : "running";
      assert.equal(await status.locator(".kl-Dot").last().getAttribute("data-tone"), tone);
    }
    await shoot("scheduler-tab");
  });

  async function latestRun(dags: Dag[]): Promise<DagRun | undefined> {
    const runs = await Promise.all(
      dags.map((dag) =>
        api<{ dag_runs: DagRun[] }>(
          `kitelab/api/v1/dags/${encodeURIComponent(dag.dag_id)}/dagRuns?order_by=-execution_date&limit=5`,
        ),
      ),
    );
    const time = (run: DagRun) => Date.parse(run.start_date ?? run.logical_date ?? "") || -Infinity;
    return runs.flatMap((r) => r.dag_runs).sort((a, b) => time(b) - time(a))[0];
  }

  step("the side panel lists DAGs with their runs and paused state, import errors on top", async () => {
    await page.locator('.jp-SideBar .lm-TabBar-tab[data-id="kitelab-panel"]').click();
    const panel = page.locator("#kitelab-panel");
    const { dags } = await api<{ dags: Dag[] }>("kitelab/api/v1/dags");
    await waitFor(
      "the panel to list every DAG",
      async () => ((await panel.locator(".kl-Dag").count()) === dags.length ? true : undefined),
      15_000,
    );
    assert.deepEqual(
      await panel.locator(".kl-Dag-id").allInnerTexts(),
      dags.map((dag) => dag.dag_id),
    );
    for (const dag of dags) {
      const badge = panel.locator(`.kl-Dag[data-dag-id="${dag.dag_id}"] .kl-PauseBadge`);
      assert.equal(await badge.innerText(), dag.is_paused ? "paused" : "active");
    }
    const { import_errors: importErrors } = await api<{ import_errors: { filename: string }[] }>(
      "kitelab/api/v1/importErrors",
    );
    assert.equal(await panel.locator(".kl-ImportError").count(), importErrors.length);
    if (importErrors.length > 0) {
      assert.ok(
        (await panel.locator(".kl-ImportErrors").boundingBox())!.y <
          (await panel.locator(".kl-DagList").boundingBox())!.y,
        "import errors come before the DAGs",
      );
    }
    if (!useRealBackend) {
      assert.equal(
        await panel.locator('.kl-Dag[data-dag-id="first_dag"] .kl-Dot').count(),
        3,
        "first_dag's three runs as dots",
      );
      await panel.locator(".kl-ImportError summary").first().click();
    }
    await shoot("side-panel");
  });

  step("the trigger command asks which DAG, listing the DAG ids", async () => {
    const { dags } = await api<{ dags: Dag[] }>("kitelab/api/v1/dags");
    await page.evaluate(() => {
      void (
        globalThis as unknown as { jupyterapp: { commands: { execute(id: string): Promise<unknown> } } }
      ).jupyterapp.commands.execute("kitelab:trigger-dag");
    });
    const dialog = page.locator(".jp-Dialog");
    await dialog.waitFor();
    assert.deepEqual(
      await dialog.locator("select option").allInnerTexts(),
      dags.map((dag) => dag.dag_id),
    );
    await shoot("trigger-dialog");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
  });

  step("a trigger button creates a run, and a notification says when it has finished", async () => {
    const { dags } = await api<{ dags: Dag[] }>("kitelab/api/v1/dags");
    const target = dags.find((dag) => !dag.is_paused);
    assert.ok(target, "an unpaused DAG to trigger");
    await page.locator(`.kl-Dag[data-dag-id="${target.dag_id}"] .kl-TriggerButton`).click();
    await page
      .getByText(new RegExp(`^Triggered ${target.dag_id}: run `))
      .first()
      .waitFor({ timeout: 15_000 });
    const finished = page.getByText(new RegExp(`^DAG ${target.dag_id}: run manual__.* (succeeded|failed)\\.$`)).first();
    await finished.waitFor({ timeout: useRealBackend ? 120_000 : 30_000 });
    const { dag_runs: runs } = await api<{ dag_runs: DagRun[] }>(
      `kitelab/api/v1/dags/${target.dag_id}/dagRuns?order_by=-execution_date&limit=1`,
    );
    assert.match(await finished.innerText(), new RegExp(runs[0]!.dag_run_id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
    const action = page.getByRole("button", { name: "Open status page" }).first();
    await waitFor(
      "the notification to finish sliding in",
      async () => {
        const box = await action.boundingBox();
        return box && box.x + box.width <= 1360 ? true : undefined;
      },
      10_000,
    );
    await shoot("run-finished");
    await action.click();
    await page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current", { hasText: "Kitelab Status" }).waitFor();
    const outcome = runs[0]!.state === "failed" ? "failure" : "success";
    await waitFor(
      `the status tab to be redirected to /kitelab/${outcome}`,
      async () => (page.frames().some((frame) => frame.url().endsWith(`/kitelab/${outcome}`)) ? true : undefined),
      30_000,
    );
    await shoot("status-tab");
  });

  step("the paused badge unpauses a DAG through the proxy, which adds the API token", async () => {
    const { dags } = await api<{ dags: Dag[] }>("kitelab/api/v1/dags");
    const paused = dags.find((dag) => dag.is_paused);
    if (!paused) return;
    const badge = page.locator(`.kl-Dag[data-dag-id="${paused.dag_id}"] .kl-PauseBadge`);
    await badge.click();
    await page
      .locator(`.kl-Dag[data-dag-id="${paused.dag_id}"] .kl-PauseBadge.kl-mod-active`)
      .waitFor({ timeout: 15_000 });
    const after = await api<{ dags: Dag[] }>("kitelab/api/v1/dags");
    assert.equal(after.dags.find((dag) => dag.dag_id === paused.dag_id)?.is_paused, false);
    await page.locator(`.kl-Dag[data-dag-id="${paused.dag_id}"] .kl-PauseBadge`).click();
    await page
      .locator(`.kl-Dag[data-dag-id="${paused.dag_id}"] .kl-PauseBadge.kl-mod-paused`)
      .waitFor({ timeout: 15_000 });
  });

  step("a TypeScript (Kitelab) notebook imports kitelab, tests a DAG and draws it inline", async () => {
    const execute = (id: string, args: Record<string, unknown> = {}) =>
      page.evaluate(
        ([command, commandArgs]) => {
          void (
            globalThis as unknown as {
              jupyterapp: { commands: { execute(id: string, args?: unknown): Promise<unknown> } };
            }
          ).jupyterapp.commands.execute(command, commandArgs);
        },
        [id, args] as const,
      );
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as { jupyterapp?: { commands: { hasCommand(id: string): boolean } } }
        ).jupyterapp?.commands.hasCommand("notebook:run-all-cells"),
      undefined,
      { timeout: 60_000 },
    );
    await execute("docmanager:open", { path: "first-dag.ipynb" });
    await page
      .locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current", { hasText: "first-dag.ipynb" })
      .waitFor({ timeout: 30_000 });
    await page.locator(".jp-Notebook .jp-Cell").first().waitFor();
    // The status bar names the kernel once the session is connected to it.
    await page
      .locator(".jp-StatusBar-Widget", { hasText: "TypeScript (Kitelab) | Idle" })
      .first()
      .waitFor({ timeout: 90_000 });
    await execute("notebook:run-all-cells");
    const outputs = page.locator(".jp-Notebook .jp-OutputArea-output");
    await outputs
      .filter({ hasText: /^kitelab 0\./ })
      .first()
      .waitFor({ timeout: 120_000 });
    await outputs.filter({ hasText: "Run succeeded" }).first().waitFor({ timeout: 60_000 });
    const graph = page.locator(".jp-Notebook .jp-OutputArea-output svg.kitelab-graph");
    await graph.first().waitFor({ timeout: 30_000 });
    assert.ok((await graph.first().locator("text", { hasText: "greet" }).count()) > 0, "the graph names the task");
    assert.equal(
      await page.locator(".jp-Notebook .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count(),
      0,
      "no cell wrote an error",
    );
    await graph.first().scrollIntoViewIfNeeded();
    await shoot("notebook");
  });

  step("clicking the status bar item opens the status page", async () => {
    await page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", { hasText: "Kitelab Scheduler" }).click();
    await page.locator(".kl-StatusItem").click();
    await page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current", { hasText: "Kitelab Status" }).waitFor();
    await shoot("final");
  });

  step("the side panel's Restart button restarts the scheduler, which reads airflow.cfg again", async () => {
    if (!useRealBackend) return;
    // A visible change of airflow.cfg: another dags_folder, holding one DAG.
    const moreDags = path.join(work, "home", "more-dags");
    fs.mkdirSync(moreDags, { recursive: true });
    fs.writeFileSync(
      path.join(moreDags, "after_restart.ts"),
      'import { DAG } from "kitelab";\nexport const dag = new DAG({ dagId: "after_restart", schedule: null, startDate: "2024-01-01" });\ndag.task("t", async () => 1);\n',
    );
    writeConfigValue(path.join(work, "home", "airflow.cfg"), "core", "dags_folder", moreDags);
    const panel = page.locator("#kitelab-panel");
    if (!(await panel.locator(".kl-RestartButton").isVisible())) {
      await page.locator('.jp-SideBar .lm-TabBar-tab[data-id="kitelab-panel"]').click();
    }
    await panel.locator(".kl-RestartButton").click();
    const done = page
      .getByText(/^Restarted the Kitelab scheduler in \d+\.\d s: it read .*airflow\.cfg again\.$/)
      .first();
    await done.waitFor({ timeout: 60_000 });
    const after = await api<{ dags: Dag[] }>("kitelab/api/v1/dags");
    assert.ok(
      after.dags.some((dag) => dag.dag_id === "after_restart"),
      `the new dags_folder applies after the restart: ${after.dags.map((dag) => dag.dag_id).join(", ")}`,
    );
    await panel.locator('.kl-Dag[data-dag-id="after_restart"]').waitFor({ timeout: 15_000 });
    await shoot("restarted");
  });

  step("Run All on the tour goes past the cell that teaches a cycle error and reaches the last cell", async () => {
    await page.evaluate(() => {
      void (
        globalThis as unknown as { jupyterapp: { commands: { execute(id: string, args?: unknown): Promise<unknown> } } }
      ).jupyterapp.commands.execute("docmanager:open", { path: "00-tour.ipynb" });
    });
    await page
      .locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current", { hasText: "00-tour.ipynb" })
      .waitFor({ timeout: 30_000 });
    await page
      .locator(".jp-StatusBar-Widget", { hasText: "TypeScript (Kitelab) | Idle" })
      .first()
      .waitFor({ timeout: 90_000 });
    await page.evaluate(() => {
      void (
        globalThis as unknown as { jupyterapp: { commands: { execute(id: string): Promise<unknown> } } }
      ).jupyterapp.commands.execute("notebook:run-all-cells");
    });
    // Each code cell as the notebook's model holds it: its execution count (null until it ran) and its outputs' text.
    const cells = () =>
      page.evaluate(() => {
        interface Model {
          type: string;
          executionCount?: number | null;
          outputs?: { toJSON(): { text?: string | string[]; data?: Record<string, unknown> }[] };
        }
        const app = (
          globalThis as unknown as {
            jupyterapp: { shell: { currentWidget: { content: { widgets: { model: Model }[] } } } };
          }
        ).jupyterapp;
        return app.shell.currentWidget.content.widgets.map((cell, index) => ({
          index,
          code: cell.model.type === "code",
          count: cell.model.executionCount ?? null,
          text: (cell.model.outputs?.toJSON() ?? [])
            .map((output) => [output.text, output.data?.["text/plain"], output.data?.["text/html"]].flat().join(""))
            .join(""),
        }));
      });
    const notebook = await cells();
    const lastCode = notebook.filter((cell) => cell.code).at(-1)!.index;
    const ran = await waitFor(
      "Run All to reach the tour's last code cell",
      async () => {
        const now = await cells();
        // The count appears when the cell starts (execute_input); its output once it has run.
        return now[lastCode]!.count !== null && now[lastCode]!.text !== "" ? now : undefined;
      },
      300_000,
    );
    assert.deepEqual(
      ran.filter((cell) => cell.code && cell.count === null).map((cell) => cell.index),
      [],
      "every code cell ran",
    );
    const cycleCell = ran.find((cell) => cell.text.includes("cycle"));
    assert.ok(cycleCell, "the cycle cell shows its error");
    const triggerCell = ran.find((cell) => /manual__.*: success/s.test(cell.text));
    assert.ok(triggerCell, `the triggered run succeeded: ${ran.map((cell) => cell.text.slice(0, 80)).join(" | ")}`);
    assert.match(ran[lastCode]!.text, /scheduler/i, "the last cell says what happened to the scheduler");
    assert.ok(
      ran.some((cell) => cell.text.includes("Restarted the scheduler in")),
      "the tour restarts the Launcher's scheduler so that configure(...) applies",
    );
    // tour_hello is first seen and finished between two polls of the extension: its run is still announced.
    await page
      .getByText(/^DAG tour_hello: run manual__.* succeeded\.$/)
      .first()
      .waitFor({ timeout: 30_000 });
    const cellAt = (index: number) => page.locator(".jp-Notebook .jp-Cell").nth(index);
    await cellAt(cycleCell.index).scrollIntoViewIfNeeded();
    await shoot("tour-cycle-error");
    await cellAt(triggerCell.index).scrollIntoViewIfNeeded();
    await shoot("tour-run-all-trigger");
    await cellAt(lastCode).scrollIntoViewIfNeeded();
    await shoot("tour-run-all-last-cell");
  });

  step("SIGTERM stops JupyterLab with its kernels, the scheduler and its workers", async () => {
    const running = markedProcesses("KITELAB_UI_TEST_MARK", mark);
    assert.ok(
      running.filter((p) => p.command.includes("tslab-kernel.cjs")).length >= 2,
      `the two notebooks' kernels run: ${running.map((p) => p.command).join(" | ")}`,
    );
    const exited = new Promise((resolve) => lab!.once("exit", resolve));
    process.kill(lab!.pid!, "SIGTERM");
    await exited;
    let left = running;
    await waitFor(
      "every process JupyterLab started to end",
      async () => {
        left = markedProcesses("KITELAB_UI_TEST_MARK", mark);
        return left.length === 0 ? true : undefined;
      },
      30_000,
    ).catch(() =>
      assert.fail(`left running after JupyterLab stopped:\n${left.map((p) => `  ${p.pid} ${p.command}`).join("\n")}`),
    );
  });
});

/** A small notebook in the tslab kernel, as a student would write it in JupyterLab. */
function firstDagNotebook(): object {
  const cell = (source: string) => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source });
  return {
    cells: [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the cell's own TypeScript template literal
      cell('import { DAG, version } from "kitelab";\nconsole.log(`kitelab ${version}`);'),
      cell(
        'const dag = new DAG({ dagId: "in_the_browser", schedule: null, startDate: "2024-01-01" });\nconst greet = dag.task("greet", async ({ log }) => log.info("hello from the browser"));\nconst done = dag.task("done", async () => 1);\ngreet.then(done);\nawait dag.test();',
      ),
      cell("dag.show();"),
    ],
    metadata: { kernelspec: { display_name: "TypeScript (Kitelab)", language: "typescript", name: "tslab" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}
