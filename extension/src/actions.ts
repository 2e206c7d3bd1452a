import type { JupyterFrontEnd } from "@jupyterlab/application";
import { InputDialog, Notification } from "@jupyterlab/apputils";
import type { KitelabClient } from "./client.js";
import type { IKitelabActions } from "./commands.js";
import { openFrameTab } from "./frame.js";
import { kitelabIcon, kitelabStatusIcon } from "./icons.js";
import type { KitelabModel } from "./kitelabModel.js";
import type { SchedulerState } from "./model.js";

/** Ids of the two main-area tabs. */
export const SCHEDULER_TAB_ID = "kitelab-scheduler";
export const STATUS_TAB_ID = "kitelab-status";

/** What the scheduler's tab says until its page arrives. */
function schedulerWaiting(state: SchedulerState): { title: string; detail: string } {
  return state === "healthy" || state === "unhealthy"
    ? { title: "Loading the Kitelab scheduler…", detail: "" }
    : {
        title: "Starting the Kitelab scheduler…",
        detail: "It reads your DAG files first: this takes a few seconds. Its pages appear here when it is ready.",
      };
}

function problem(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The commands' behaviour, on top of JupyterLab's shell, dialogs and notifications. */
export function createActions(
  shell: JupyterFrontEnd.IShell,
  client: KitelabClient,
  model: KitelabModel,
): IKitelabActions {
  // The first request under <base_url>kitelab/ makes jupyter-server-proxy start the scheduler;
  // the model is asked again right away so the status bar says "starting".
  const openAndWatch = async (open: () => void): Promise<void> => {
    open();
    await model.refresh();
  };

  const openScheduler = (): Promise<void> =>
    openAndWatch(() =>
      openFrameTab(shell, {
        id: SCHEDULER_TAB_ID,
        label: "Kitelab Scheduler",
        icon: kitelabIcon,
        url: client.urls.dagsPage,
        waiting: schedulerWaiting(model.snapshot.scheduler),
      }),
    );

  const openStatus = (): Promise<void> =>
    openAndWatch(() =>
      openFrameTab(shell, {
        id: STATUS_TAB_ID,
        label: "Kitelab Status",
        icon: kitelabStatusIcon,
        url: client.urls.status,
      }),
    );

  const ensureRunning = (): boolean => {
    const state = model.snapshot.scheduler;
    if (state === "healthy" || state === "unhealthy") {
      return true;
    }
    Notification.warning("The Kitelab scheduler is not running: start it first.", {
      autoClose: 8000,
      actions: [{ label: "Start scheduler", callback: () => void openScheduler() }],
    });
    return false;
  };

  const chooseDag = async (): Promise<string | undefined> => {
    const known = model.snapshot.dags.map((summary) => summary.dag.dag_id);
    const dagIds = known.length > 0 ? known : (await client.dags()).map((dag) => dag.dag_id);
    if (dagIds.length === 0) {
      Notification.warning("The scheduler has no DAGs: add a DAG file to its dags_folder.", { autoClose: 8000 });
      return undefined;
    }
    const answer = await InputDialog.getItem({
      title: "Trigger a DAG",
      label: "DAG",
      items: dagIds,
      okLabel: "Trigger",
    });
    return answer.button.accept && answer.value ? answer.value : undefined;
  };

  return {
    openScheduler,
    openStatus,
    async triggerDag(dagId?: string): Promise<void> {
      if (!ensureRunning()) {
        return;
      }
      try {
        const chosen = dagId ?? (await chooseDag());
        if (chosen === undefined) {
          return;
        }
        const run = await client.triggerDag(chosen);
        const paused = model.snapshot.dags.find((summary) => summary.dag.dag_id === chosen)?.dag.is_paused === true;
        const waiting = paused ? " The DAG is paused: the run waits until you unpause it." : "";
        Notification.info(`Triggered ${chosen}: run ${run.dag_run_id}.${waiting}`, { autoClose: 6000 });
        await model.refresh();
      } catch (error) {
        Notification.error(`Could not trigger ${dagId ?? "the DAG"}: ${problem(error)}`, { autoClose: false });
      }
    },
    async togglePause(dagId: string): Promise<void> {
      const dag = model.snapshot.dags.find((summary) => summary.dag.dag_id === dagId)?.dag;
      if (dag === undefined || !ensureRunning()) {
        return;
      }
      try {
        await client.setPaused(dagId, !dag.is_paused);
        await model.refresh();
      } catch (error) {
        Notification.error(`Could not ${dag.is_paused ? "unpause" : "pause"} ${dagId}: ${problem(error)}`, {
          autoClose: false,
        });
      }
    },
    async refresh(): Promise<void> {
      await model.refresh();
    },
    async restartScheduler(): Promise<void> {
      if (!ensureRunning()) {
        return;
      }
      const id = Notification.emit("Restarting the Kitelab scheduler…", "in-progress", { autoClose: false });
      try {
        const { tookMs, configFile } = await client.restartScheduler();
        Notification.update({
          id,
          message: `Restarted the Kitelab scheduler in ${(tookMs / 1000).toFixed(1)} s: it read ${configFile} again.`,
          type: "success",
          autoClose: 8000,
        });
        await model.refresh();
      } catch (error) {
        Notification.update({
          id,
          message: `Could not restart the Kitelab scheduler: ${problem(error)}`,
          type: "error",
          autoClose: false,
        });
      }
    },
  };
}
