import type { CommandRegistry } from "@lumino/commands";
import type { IDisposable } from "@lumino/disposable";
import type { LabIcon } from "@jupyterlab/ui-components";

/** Every command the extension adds, by id. */
export namespace CommandIDs {
  export const openScheduler = "kitelab:open-scheduler";
  export const openStatus = "kitelab:open-status";
  export const triggerDag = "kitelab:trigger-dag";
  export const togglePause = "kitelab:toggle-pause";
  export const refresh = "kitelab:refresh";
  export const restartScheduler = "kitelab:restart-scheduler";
}

/** Command ids in the order the palette lists them. */
export const PALETTE_COMMANDS: readonly string[] = [
  CommandIDs.openScheduler,
  CommandIDs.openStatus,
  CommandIDs.triggerDag,
  CommandIDs.refresh,
  CommandIDs.restartScheduler,
];

/** The palette category, and the Launcher's section. */
export const CATEGORY = "Kitelab";

/** What the commands do; see `actions.ts`. */
export interface IKitelabActions {
  openScheduler(): Promise<void>;
  openStatus(): Promise<void>;
  /** Without `dagId`, asks which DAG. */
  triggerDag(dagId?: string): Promise<void>;
  togglePause(dagId: string): Promise<void>;
  refresh(): Promise<void>;
  /** Restarts the running scheduler in place, so it reads airflow.cfg again. */
  restartScheduler(): Promise<void>;
}

export interface ICommandIcons {
  readonly scheduler: LabIcon;
  readonly status: LabIcon;
  readonly trigger: LabIcon;
  readonly refresh: LabIcon;
}

function dagIdOf(args: Record<string, unknown>): string | undefined {
  return typeof args.dagId === "string" && args.dagId.length > 0 ? args.dagId : undefined;
}

/**
 * Adds the commands. With `{ launcher: true }` as arguments their labels are the Launcher cards'
 * titles; elsewhere they read as actions.
 */
export function registerCommands(
  commands: Pick<CommandRegistry, "addCommand">,
  actions: IKitelabActions,
  icons: ICommandIcons,
): IDisposable[] {
  return [
    commands.addCommand(CommandIDs.openScheduler, {
      label: (args) => (args.launcher === true ? "Kitelab Scheduler" : "Open Kitelab Scheduler"),
      caption: "Start the Kitelab scheduler (if it is not running) and show its DAGs in a tab",
      icon: icons.scheduler,
      execute: () => actions.openScheduler(),
    }),
    commands.addCommand(CommandIDs.openStatus, {
      label: (args) => (args.launcher === true ? "Kitelab Status" : "Open Kitelab Status Page"),
      caption: "Show whether the last run succeeded or failed",
      icon: icons.status,
      execute: () => actions.openStatus(),
    }),
    commands.addCommand(CommandIDs.triggerDag, {
      label: (args) => {
        const dagId = dagIdOf(args);
        return dagId === undefined ? "Trigger a Kitelab DAG…" : `Trigger ${dagId}`;
      },
      caption: 'Create a manual run of a DAG, as Airflow\u2019s "Trigger DAG" does',
      icon: icons.trigger,
      execute: (args) => actions.triggerDag(dagIdOf(args)),
    }),
    commands.addCommand(CommandIDs.togglePause, {
      label: (args) => `Pause or Unpause ${dagIdOf(args) ?? "a DAG"}`,
      isVisible: (args) => dagIdOf(args) !== undefined,
      execute: (args) => {
        const dagId = dagIdOf(args);
        return dagId === undefined ? undefined : actions.togglePause(dagId);
      },
    }),
    commands.addCommand(CommandIDs.refresh, {
      label: "Refresh Kitelab Status",
      caption: "Ask the scheduler for its health, DAGs and runs now",
      icon: icons.refresh,
      execute: () => actions.refresh(),
    }),
    commands.addCommand(CommandIDs.restartScheduler, {
      label: "Restart Kitelab Scheduler",
      caption: "Restart the scheduler so it reads airflow.cfg again (running tasks get 5 seconds to finish)",
      icon: icons.refresh,
      execute: () => actions.restartScheduler(),
    }),
  ];
}
