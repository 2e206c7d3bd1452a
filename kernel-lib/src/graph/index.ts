export * from "./types.js";
export { layoutGraph, LAYOUT_METRICS, sublabelOf } from "./layout.js";
export { renderSvg, type SvgOptions } from "./svg.js";
export { renderAscii, type AsciiOptions } from "./ascii.js";
export { renderDot } from "./dot.js";
export { STATE_STYLES, statesInOrder, type StateStyle } from "./palette.js";
export { escapeXml } from "./escape.js";
