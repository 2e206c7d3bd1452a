import { h, VirtualDOM, type VirtualElement } from "@lumino/virtualdom";
import { Widget } from "@lumino/widgets";
import type { KitelabModel } from "./kitelabModel.js";
import { type IStatusPart, statusView } from "./model.js";

function part(status: IStatusPart, className: string): VirtualElement[] {
  return [
    h.span({ className: `kl-Dot kl-tone-${status.tone}`, dataset: { tone: status.tone } }),
    h.span({ className }, status.text),
  ];
}

/**
 * The status bar item: the scheduler's state, then the latest run across DAGs, each with a
 * coloured dot. A click opens the status page.
 */
export class KitelabStatusItem extends Widget {
  constructor(
    private readonly model: KitelabModel,
    private readonly onOpen: () => void,
  ) {
    super();
    this.addClass("kl-StatusItem");
    this.addClass("jp-StatusBar-TextItem");
    this.node.setAttribute("role", "button");
    this.node.tabIndex = 0;
    this.node.addEventListener("click", this.onOpen);
    this.node.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        this.onOpen();
      }
    });
    model.changed.connect(this.render, this);
    this.render();
  }

  override dispose(): void {
    this.model.changed.disconnect(this.render, this);
    super.dispose();
  }

  private render(): void {
    const view = statusView(this.model.snapshot);
    this.node.title = view.title;
    this.node.dataset.scheduler = this.model.snapshot.scheduler;
    VirtualDOM.render(
      [
        ...part(view.scheduler, "kl-StatusItem-scheduler"),
        ...(view.lastRun ? part(view.lastRun, "kl-StatusItem-run") : []),
      ],
      this.node,
    );
  }
}
