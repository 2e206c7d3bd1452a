import { Notification } from "@jupyterlab/apputils";
import type { IDagRun } from "./api.js";
import type { KitelabModel } from "./kitelabModel.js";
import { finishedRunNotices } from "./model.js";

/** Shows a notification, with a button to the status page, whenever runs finish. */
export function notifyFinishedRuns(model: KitelabModel, openStatus: () => void): void {
  model.runsFinished.connect((_, runs: readonly IDagRun[]) => {
    for (const notice of finishedRunNotices(runs)) {
      Notification.emit(notice.message, notice.type, {
        autoClose: notice.type === "error" ? false : 10000,
        actions: [{ label: "Open status page", callback: openStatus, displayType: "accent" }],
      });
    }
  });
}
