import type { JupyterFrontEnd } from "@jupyterlab/application";
import { IFrame, MainAreaWidget } from "@jupyterlab/apputils";
import type { LabIcon } from "@jupyterlab/ui-components";

/** The scheduler's pages run their own scripts and forms, on Jupyter's origin (through the proxy). */
export const FRAME_SANDBOX: IFrame.SandboxExceptions[] = ["allow-scripts", "allow-same-origin", "allow-forms"];

export interface IFrameTab {
  /** The widget id: one tab per id, reused when opened again. */
  readonly id: string;
  readonly label: string;
  readonly icon: LabIcon;
  readonly url: string;
}

/**
 * Opens `tab.url` in a main-area tab, or brings the tab with the same id to the front and
 * loads the URL again (the status page changes with every run).
 */
export function openFrameTab(shell: JupyterFrontEnd.IShell, tab: IFrameTab): MainAreaWidget<IFrame> {
  for (const widget of shell.widgets("main")) {
    if (widget.id === tab.id && widget instanceof MainAreaWidget && widget.content instanceof IFrame) {
      const frame = widget.content as IFrame;
      frame.url = "";
      frame.url = tab.url;
      shell.activateById(widget.id);
      return widget as MainAreaWidget<IFrame>;
    }
  }
  const content = new IFrame({ sandbox: FRAME_SANDBOX, referrerPolicy: "same-origin" });
  content.url = tab.url;
  content.addClass("kl-Frame");
  const widget = new MainAreaWidget({ content });
  widget.id = tab.id;
  widget.title.label = tab.label;
  widget.title.icon = tab.icon;
  widget.title.closable = true;
  widget.title.caption = tab.url;
  shell.add(widget, "main");
  shell.activateById(widget.id);
  return widget;
}
