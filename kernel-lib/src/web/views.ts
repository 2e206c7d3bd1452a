import { InternalError } from "../errors.js";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";
import { STATE_STYLES } from "../graph/palette.js";
import { TASK_INSTANCE_STATES } from "../states.js";
import { formatDuration } from "../util/duration.js";
import type { ClockInfo } from "../clock/clock.js";

/**
 * The page templates (`views/*.hbs`, partials in `views/partials/`) on a private Handlebars
 * instance. Templates only use `{{ }}`, which escapes; markup the server builds itself
 * (the graph SVG, rendered Markdown, the page body inside the layout) arrives as a
 * SafeString, so no template needs `{{{ }}}`.
 */
export interface Views {
  render(view: string, model: PageModel & Record<string, unknown>): string;
}

/** What every page's layout needs. */
export interface PageModel {
  title: string;
  /** The app's base URL, ending in `/`. */
  base: string;
  /** Per-response nonce for the inline `<style>` of the graph (Content-Security-Policy). */
  nonce: string;
  csrf: string;
  nav: "dags" | "status" | "outbox" | "workers" | "none";
  hasOutbox: boolean;
  /** The scheduler's clock; a moved one is shown on every page. */
  clock?: ClockInfo;
  hasWorkers: boolean;
}

/** The folder holding this module's views and static files, also when running from `dist/`. */
export function assetFolder(name: "views" | "static"): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const candidates = [join(here, name), join(here, "..", "..", "src", "web", name)];
  return candidates.find((folder) => existsSync(folder)) ?? candidates[0]!;
}

export function loadViews(): Views {
  const hbs = Handlebars.create();
  registerHelpers(hbs);
  const folder = assetFolder("views");
  const partials = join(folder, "partials");
  for (const file of readdirSync(partials).filter((name) => name.endsWith(".hbs"))) {
    hbs.registerPartial(file.slice(0, -4), readFileSync(join(partials, file), "utf8"));
  }
  const templates = new Map<string, HandlebarsTemplateDelegate>();
  for (const file of readdirSync(folder).filter((name) => name.endsWith(".hbs"))) {
    templates.set(file.slice(0, -4), hbs.compile(readFileSync(join(folder, file), "utf8"), { strict: false }));
  }
  const layout = templates.get("layout");
  if (!layout) throw new InternalError(`the web views folder ${folder} has no layout.hbs`);
  return {
    render(view, model) {
      const template = templates.get(view);
      if (!template) throw new InternalError(`no view '${view}' in ${folder}`);
      const body = new Handlebars.SafeString(template(model));
      return layout({ ...model, body });
    },
  };
}

function registerHelpers(hbs: typeof Handlebars): void {
  hbs.registerHelper("eq", (a: unknown, b: unknown) => a === b);
  hbs.registerHelper("date", (iso: unknown) => (typeof iso === "string" && iso !== "" ? displayDate(iso) : "—"));
  hbs.registerHelper("duration", (ms: unknown) =>
    typeof ms === "number" && Number.isFinite(ms) ? formatDuration(ms) : "—",
  );
  hbs.registerHelper("stateLabel", (state: unknown) => stateLabel(state));
  hbs.registerHelper("stateClass", (state: unknown) => `state-${knownState(state)}`);
  // Reasons quote commands between backticks, as Markdown does: escaped, then shown as code.
  hbs.registerHelper(
    "withCode",
    (text: unknown) =>
      new Handlebars.SafeString(
        String(text ?? "")
          .split("`")
          .map((part, index) =>
            index % 2 === 1 ? `<code>${Handlebars.escapeExpression(part)}</code>` : Handlebars.escapeExpression(part),
          )
          .join(""),
      ),
  );
}

/** `2024-01-02T03:04:05.000Z` → `2024-01-02 03:04:05 UTC`. */
export function displayDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** Human wording of a task or run state. */
export function stateLabel(state: unknown): string {
  const key = knownState(state);
  return key in STATE_STYLES ? STATE_STYLES[key as keyof typeof STATE_STYLES].label : key;
}

const KNOWN = new Set<string>(TASK_INSTANCE_STATES);

function knownState(state: unknown): string {
  return typeof state === "string" && KNOWN.has(state) ? state : "none";
}
