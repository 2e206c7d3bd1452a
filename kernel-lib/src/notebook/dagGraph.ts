import type { DAG } from "../dag/dag.js";
import { renderAscii, renderSvg } from "../graph/index.js";
import { show } from "./display.js";

/** Draws a DAG's graph: inline SVG in a notebook (coloured by its last `dag.test()`), ASCII in a terminal. */
export function showDagGraph(dag: DAG): void {
  const input = dag.toGraphInput(dag.lastTestResult?.tasks);
  show(renderSvg(input), renderAscii(input));
}
