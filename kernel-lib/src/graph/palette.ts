import { TASK_INSTANCE_STATES, type TaskInstanceState } from "../states.js";

/** How one task instance state is drawn. */
export interface StateStyle {
  /** Box fill, from Airflow's state colours. */
  fill: string;
  stroke: string;
  /** Text colour that stays readable on `fill`. */
  text: string;
  /** Terminal symbol, and its plain-ASCII fallback. */
  symbol: string;
  asciiSymbol: string;
  /** Human wording for legends and tooltips. */
  label: string;
}

/** Airflow's palette (`STATE_COLORS`), with `none` as a white box with a grey border. */
export const STATE_STYLES: Readonly<Record<TaskInstanceState, StateStyle>> = {
  none: { fill: "#ffffff", stroke: "#9e9e9e", text: "#1f2328", symbol: "○", asciiSymbol: ".", label: "no status" },
  scheduled: { fill: "#d2b48c", stroke: "#a88a62", text: "#1f2328", symbol: "◷", asciiSymbol: "s", label: "scheduled" },
  queued: { fill: "#808080", stroke: "#5f5f5f", text: "#ffffff", symbol: "…", asciiSymbol: "q", label: "queued" },
  running: { fill: "#32cd32", stroke: "#229a22", text: "#10240f", symbol: "▶", asciiSymbol: ">", label: "running" },
  success: { fill: "#008000", stroke: "#005c00", text: "#ffffff", symbol: "✓", asciiSymbol: "+", label: "success" },
  failed: { fill: "#e02020", stroke: "#a80f0f", text: "#ffffff", symbol: "✗", asciiSymbol: "x", label: "failed" },
  up_for_retry: {
    fill: "#ffd700",
    stroke: "#c9a800",
    text: "#1f2328",
    symbol: "↻",
    asciiSymbol: "r",
    label: "up for retry",
  },
  upstream_failed: {
    fill: "#ffa500",
    stroke: "#cc8400",
    text: "#1f2328",
    symbol: "⊘",
    asciiSymbol: "!",
    label: "upstream failed",
  },
  skipped: { fill: "#ff69b4", stroke: "#d44a92", text: "#1f2328", symbol: "↷", asciiSymbol: "-", label: "skipped" },
  removed: { fill: "#d3d3d3", stroke: "#a6a6a6", text: "#1f2328", symbol: "⌫", asciiSymbol: "~", label: "removed" },
};

/** The states that appear in `states`, in the canonical order of {@link TASK_INSTANCE_STATES}. */
export function statesInOrder(states: Iterable<TaskInstanceState>): TaskInstanceState[] {
  const present = new Set(states);
  return TASK_INSTANCE_STATES.filter((state) => present.has(state));
}
