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
  /**
   * Shown inside the tab until the page has loaded, instead of a blank tab: the first request
   * starts the scheduler, and jupyter-server-proxy answers only once it listens.
   */
  readonly waiting?: { readonly title: string; readonly detail: string };
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
  if (tab.waiting !== undefined) {
    showUntilLoaded(content, tab.waiting);
  }
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

/** A "starting…" page over the frame, removed once the frame has loaded its page. */
function showUntilLoaded(frame: IFrame, waiting: NonNullable<IFrameTab["waiting"]>): void {
  const page = document.createElement("div");
  page.className = "kl-Frame-waiting";
  page.setAttribute("role", "status");
  const spinner = document.createElement("div");
  spinner.className = "kl-Frame-spinner";
  const title = document.createElement("p");
  title.className = "kl-Frame-waitingTitle";
  title.textContent = waiting.title;
  const detail = document.createElement("p");
  detail.textContent = waiting.detail;
  page.append(spinner, title, detail);
  frame.node.appendChild(page);
  const iframe = frame.node.querySelector("iframe");
  iframe?.addEventListener("load", function onLoad() {
    // The blank document an iframe starts with also fires `load`: wait for the page itself.
    if (iframe.contentWindow?.location.href === "about:blank") {
      return;
    }
    iframe.removeEventListener("load", onLoad);
    page.remove();
  });
}
