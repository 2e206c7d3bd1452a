import { h, VirtualDOM, type VirtualElement } from "@lumino/virtualdom";
import { Widget } from "@lumino/widgets";
import type { IDagRun, IImportError } from "./api.js";
import type { IKitelabActions } from "./commands.js";
import { kitelabMonoIcon } from "./icons.js";
import type { KitelabModel } from "./kitelabModel.js";
import { type IDagSummary, runStateWord, runTone, statusView } from "./model.js";

export const PANEL_ID = "kitelab-panel";

function button(label: string, action: string, title: string, dagId?: string, className = ""): VirtualElement {
  return h.button(
    {
      className: `kl-Button ${className}`.trim(),
      title,
      dataset: dagId === undefined ? { action } : { action, "dag-id": dagId },
    },
    label,
  );
}

function runDot(run: IDagRun): VirtualElement {
  const when = run.logical_date ?? run.start_date ?? "";
  return h.span({
    className: `kl-Dot kl-tone-${runTone(run.state)}`,
    title: `${run.dag_run_id}: ${runStateWord(run.state)}${when ? ` (logical date ${when})` : ""}`,
    dataset: { state: run.state },
  });
}

function dagRow(summary: IDagSummary): VirtualElement {
  const { dag, runs } = summary;
  const latest = runs[0];
  return h.li(
    { className: `kl-Dag${dag.is_paused ? " kl-mod-paused" : ""}`, dataset: { "dag-id": dag.dag_id } },
    h.div(
      { className: "kl-Dag-main" },
      h.span({ className: "kl-Dag-id", title: dag.description ?? dag.fileloc }, dag.dag_id),
      button("▶ Trigger", "trigger", `Trigger ${dag.dag_id} now (a manual run)`, dag.dag_id, "kl-TriggerButton"),
    ),
    h.div(
      { className: "kl-Dag-runs" },
      ...[...runs].reverse().map(runDot),
      h.span(
        { className: "kl-Dag-last" },
        latest === undefined ? "no runs yet" : `last run ${runStateWord(latest.state)}`,
      ),
      button(
        dag.is_paused ? "paused" : "active",
        "toggle-pause",
        dag.is_paused ? "Paused: scheduled runs do not start. Click to unpause." : "Active. Click to pause.",
        dag.dag_id,
        `kl-PauseBadge ${dag.is_paused ? "kl-mod-paused" : "kl-mod-active"}`,
      ),
    ),
  );
}

function fileName(filePath: string): string {
  return filePath.split(/[\\/]/).pop() || filePath;
}

function importErrorItem(error: IImportError): VirtualElement {
  const firstLine = error.stack_trace.split("\n").find((line) => line.trim().length > 0) ?? "";
  return h.li(
    { className: "kl-ImportError" },
    h(
      "details",
      {},
      h.summary(
        { title: error.filename },
        h.span({ className: "kl-ImportError-file" }, fileName(error.filename)),
        h.span({ className: "kl-ImportError-line" }, firstLine),
      ),
      h.pre({}, error.stack_trace),
    ),
  );
}

/** The left side panel: import errors first, then every DAG with its latest runs and a trigger button. */
export class KitelabPanel extends Widget {
  constructor(
    private readonly model: KitelabModel,
    private readonly actions: IKitelabActions,
  ) {
    super();
    this.id = PANEL_ID;
    this.addClass("kl-Panel");
    this.title.icon = kitelabMonoIcon;
    this.title.caption = "Kitelab: DAGs and runs";
    this.node.addEventListener("click", this.onClick);
    model.changed.connect(this.render, this);
    this.render();
  }

  override dispose(): void {
    this.model.changed.disconnect(this.render, this);
    super.dispose();
  }

  private readonly onClick = (event: MouseEvent): void => {
    const target = (event.target as HTMLElement).closest<HTMLElement>("[data-action]");
    const dagId = target?.dataset.dagId;
    switch (target?.dataset.action) {
      case "open-scheduler":
        void this.actions.openScheduler();
        break;
      case "open-status":
        void this.actions.openStatus();
        break;
      case "refresh":
        void this.actions.refresh();
        break;
      case "restart":
        void this.actions.restartScheduler();
        break;
      case "trigger":
        void this.actions.triggerDag(dagId);
        break;
      case "toggle-pause":
        if (dagId !== undefined) {
          void this.actions.togglePause(dagId);
        }
        break;
    }
  };

  private render(): void {
    const snapshot = this.model.snapshot;
    const view = statusView(snapshot);
    const running = snapshot.scheduler === "healthy" || snapshot.scheduler === "unhealthy";
    const header = h.header(
      { className: "kl-Panel-header" },
      h.div(
        { className: "kl-Panel-title" },
        h.h2({}, "Kitelab"),
        button("⟳", "refresh", "Refresh: ask the scheduler again now", undefined, "kl-RefreshButton"),
      ),
      h.div(
        { className: "kl-Panel-status", title: view.title, dataset: { scheduler: snapshot.scheduler } },
        h.span({ className: `kl-Dot kl-tone-${view.scheduler.tone}` }),
        h.span(
          {},
          view.scheduler.text === "Kitelab"
            ? "Scheduler running"
            : view.scheduler.text.replace(/^Kitelab: /, "Scheduler "),
        ),
      ),
      h.div(
        { className: "kl-Panel-actions" },
        button(
          running ? "Open scheduler" : "Start scheduler",
          "open-scheduler",
          "Open the scheduler in a tab (starts it if needed)",
          undefined,
          "kl-mod-accept",
        ),
        button("Status page", "open-status", "Open the status page: success or failure of the last run"),
        ...(running
          ? [
              button(
                "Restart",
                "restart",
                "Restart the scheduler so it reads airflow.cfg again (running tasks get 5 seconds to finish)",
                undefined,
                "kl-RestartButton",
              ),
            ]
          : []),
      ),
    );
    const body: VirtualElement[] = [];
    if (snapshot.error !== null) {
      body.push(h.p({ className: "kl-Panel-error" }, snapshot.error));
    }
    if (!running) {
      body.push(
        h.p(
          { className: "kl-Panel-hint" },
          snapshot.scheduler === "starting"
            ? "The scheduler is starting…"
            : "Start the scheduler to see your DAGs and their runs here.",
        ),
      );
    } else {
      if (snapshot.importErrors.length > 0) {
        body.push(
          h.section(
            { className: "kl-Panel-section kl-ImportErrors" },
            h.h3({}, `Import errors (${snapshot.importErrors.length})`),
            h.ul({}, ...snapshot.importErrors.map(importErrorItem)),
          ),
        );
      }
      body.push(
        h.section(
          { className: "kl-Panel-section" },
          h.h3({}, `DAGs (${snapshot.dags.length})`),
          snapshot.dags.length === 0
            ? h.p({ className: "kl-Panel-hint" }, "No DAGs yet: put a DAG file in the dags_folder of your airflow.cfg.")
            : h.ul({ className: "kl-DagList" }, ...snapshot.dags.map(dagRow)),
        ),
      );
    }
    VirtualDOM.render([header, ...body], this.node);
  }
}
