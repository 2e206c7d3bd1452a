import { escapeXml } from "./escape.js";
import { buildModel } from "./model.js";
import { sublabelOf } from "./layout.js";
import { STATE_STYLES } from "./palette.js";
import type { GraphInput } from "./types.js";

const SAFE_ID = /^[A-Za-z0-9_.-]+$/;

/**
 * Writes a DAG as Graphviz DOT, left to right, boxes filled with their state's colour.
 * Task ids made of Airflow's id characters are used as node names; any other id gets a
 * stand-in name (`"#3"`, which no valid id can take) and keeps its text in the label, so
 * no input can break out of a quoted string. Labels are HTML-like labels, XML-escaped.
 * @throws {ValidationError} for malformed input.
 * @example
 * writeFileSync("etl.dot", renderDot(input)); // then: dot -Tpng etl.dot -o etl.png
 */
export function renderDot(input: GraphInput): string {
  const model = buildModel(input);
  const names = model.tasks.map((task, index) => (SAFE_ID.test(task.taskId) ? `"${task.taskId}"` : `"#${index}"`));
  const graphName = SAFE_ID.test(model.dagId) ? `"${model.dagId}"` : `"dag"`;
  const none = STATE_STYLES.none;
  const lines = [
    `digraph ${graphName} {`,
    `  graph [rankdir=LR, fontname="Helvetica", fontsize=14, labelloc=t, labeljust=l, nodesep=0.3, ranksep=0.7, label=<<B>${escapeXml(model.dagId)}</B>>];`,
    `  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=12, margin="0.15,0.06", fillcolor="${none.fill}", color="${none.stroke}", fontcolor="${none.text}"];`,
    `  edge [color="#8c959f", arrowsize=0.7];`,
  ];
  model.tasks.forEach((task, index) => {
    const sublabel = sublabelOf(task);
    const label =
      sublabel === undefined
        ? escapeXml(task.taskId)
        : `${escapeXml(task.taskId)}<BR/><FONT POINT-SIZE="9">${escapeXml(sublabel)}</FONT>`;
    const attributes = [`label=<${label}>`];
    if (task.state !== undefined) {
      const style = STATE_STYLES[task.state];
      attributes.push(
        `fillcolor="${style.fill}"`,
        `color="${style.stroke}"`,
        `fontcolor="${style.text}"`,
        `class="state-${task.state}"`,
      );
    }
    lines.push(`  ${names[index]} [${attributes.join(", ")}];`);
  });
  model.upstream.forEach((ups, target) => {
    for (const source of ups) lines.push(`  ${names[source]} -> ${names[target]};`);
  });
  lines.push("}");
  return `${lines.join("\n")}\n`;
}
