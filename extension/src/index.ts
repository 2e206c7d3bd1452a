import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from "@jupyterlab/application";
import { ICommandPalette } from "@jupyterlab/apputils";
import { PageConfig } from "@jupyterlab/coreutils";
import { ILauncher } from "@jupyterlab/launcher";
import { IStatusBar } from "@jupyterlab/statusbar";
import { refreshIcon, runIcon } from "@jupyterlab/ui-components";
import { createActions } from "./actions.js";
import { KitelabClient } from "./client.js";
import { CATEGORY, CommandIDs, PALETTE_COMMANDS, registerCommands } from "./commands.js";
import { kitelabIcon, kitelabStatusIcon } from "./icons.js";
import { KitelabModel } from "./kitelabModel.js";
import { notifyFinishedRuns } from "./notifications.js";
import { KitelabPanel } from "./panel.js";
import { KitelabStatusItem } from "./statusbar.js";
import { IKitelab } from "./tokens.js";
import { jupyterTransport } from "./transport.js";
import { kitelabUrls } from "./urls.js";

/** The client, the polling model, the commands, the Launcher cards and the notifications. */
const corePlugin: JupyterFrontEndPlugin<IKitelab> = {
  id: "kitelab-jupyterlab:core",
  description: "Starts and watches the Kitelab scheduler behind jupyter-server-proxy.",
  autoStart: true,
  provides: IKitelab,
  optional: [ICommandPalette, ILauncher],
  activate: (app: JupyterFrontEnd, palette: ICommandPalette | null, launcher: ILauncher | null): IKitelab => {
    const client = new KitelabClient(kitelabUrls(PageConfig.getBaseUrl()), jupyterTransport());
    const model = new KitelabModel({ client, isActive: () => !document.hidden });
    const actions = createActions(app.shell, client, model);
    registerCommands(app.commands, actions, {
      scheduler: kitelabIcon,
      status: kitelabStatusIcon,
      trigger: runIcon,
      refresh: refreshIcon,
    });
    PALETTE_COMMANDS.forEach((command) => palette?.addItem({ command, category: CATEGORY }));
    launcher?.add({ command: CommandIDs.openScheduler, category: CATEGORY, rank: 1, args: { launcher: true } });
    launcher?.add({ command: CommandIDs.openStatus, category: CATEGORY, rank: 2, args: { launcher: true } });
    notifyFinishedRuns(model, () => void app.commands.execute(CommandIDs.openStatus));
    model.start();
    return { client, model };
  },
};

/** The status bar item: scheduler state and the latest run. */
const statusBarPlugin: JupyterFrontEndPlugin<void> = {
  id: "kitelab-jupyterlab:status-bar",
  description: "Shows the Kitelab scheduler state and the latest run in the status bar.",
  autoStart: true,
  requires: [IKitelab, IStatusBar],
  activate: (app: JupyterFrontEnd, kitelab: IKitelab, statusBar: IStatusBar): void => {
    const item = new KitelabStatusItem(kitelab.model, () => void app.commands.execute(CommandIDs.openStatus));
    statusBar.registerStatusItem("kitelab-jupyterlab:status", { item, align: "left", rank: 50 });
  },
};

/** The left side panel listing DAGs, their latest runs and import errors. */
const sidebarPlugin: JupyterFrontEndPlugin<void> = {
  id: "kitelab-jupyterlab:sidebar",
  description: "Lists Kitelab DAGs with their latest runs in the left sidebar.",
  autoStart: true,
  requires: [IKitelab],
  optional: [ILayoutRestorer],
  activate: (app: JupyterFrontEnd, kitelab: IKitelab, restorer: ILayoutRestorer | null): void => {
    const panel = new KitelabPanel(kitelab.model, {
      openScheduler: () => app.commands.execute(CommandIDs.openScheduler),
      openStatus: () => app.commands.execute(CommandIDs.openStatus),
      refresh: () => app.commands.execute(CommandIDs.refresh),
      restartScheduler: () => app.commands.execute(CommandIDs.restartScheduler),
      triggerDag: (dagId) => app.commands.execute(CommandIDs.triggerDag, dagId === undefined ? {} : { dagId }),
      togglePause: (dagId) => app.commands.execute(CommandIDs.togglePause, { dagId }),
    });
    app.shell.add(panel, "left", { rank: 600 });
    restorer?.add(panel, panel.id);
  },
};

export default [corePlugin, statusBarPlugin, sidebarPlugin];
