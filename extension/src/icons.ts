import { LabIcon } from "@jupyterlab/ui-components";
import kitelabSvg from "../style/icons/kitelab.svg";
import kitelabMonoSvg from "../style/icons/kitelab-mono.svg";
import kitelabStatusSvg from "../style/icons/kitelab-status.svg";

/** The kite, in colour: the Launcher card and the scheduler's tab. */
export const kitelabIcon = new LabIcon({ name: "kitelab:kite", svgstr: kitelabSvg });

/** The kite in the theme's icon colour: the left sidebar tab. */
export const kitelabMonoIcon = new LabIcon({ name: "kitelab:kite-mono", svgstr: kitelabMonoSvg });

/** Success and failure side by side: the status page's card and tab. */
export const kitelabStatusIcon = new LabIcon({ name: "kitelab:status", svgstr: kitelabStatusSvg });
