/** Reads the `schedule` of a DAG: a cron expression, a preset, a fixed interval or null. */
import { Cron } from "croner";
import { err, ok, type Result } from "../errors.js";
import { parseDurationString } from "../util/duration.js";
import { checkCronFields } from "./cronFields.js";
import type { ScheduleSpec } from "./types.js";
import { editDistance } from "../util/editDistance.js";

/** Airflow's cron presets (plus `@annually` and `@midnight`, which croniter accepts too). */
export const CRON_PRESETS: Readonly<Record<string, string>> = {
  "@hourly": "0 * * * *",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@weekly": "0 0 * * 0",
  "@monthly": "0 0 1 * *",
  "@quarterly": "0 0 1 */3 *",
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
};

const PRESET_NAMES = ["@once", ...Object.keys(CRON_PRESETS)];

const ACCEPTED =
  'expected a cron expression such as "0 12 * * *", a preset (@once, @hourly, @daily, @weekly, @monthly, @yearly), ' +
  'a fixed interval such as "30m", "2h" or "1d", or null for manual runs only';

/**
 * Parses a schedule.
 *
 * @example
 * parseSchedule("0 12 * * *")  // ok: { kind: "cron", expression: "0 12 * * *" }
 * parseSchedule("@daly")       // error: ... Did you mean "@daily"?
 * parseSchedule("2h")          // ok: { kind: "interval", milliseconds: 7_200_000, text: "2h" }
 * parseSchedule(null)          // ok: { kind: "manual" }
 */
export function parseSchedule(expr: string | null): Result<ScheduleSpec> {
  if (expr === null) return ok({ kind: "manual" });
  if (typeof expr !== "string") {
    return err(`Invalid schedule ${String(expr)} (${typeof expr}): ${ACCEPTED}`);
  }
  const text = expr.trim();
  const invalid = (problem: string) => err(`Invalid schedule ${JSON.stringify(expr)}: ${problem}`);
  if (text.length === 0) return invalid(ACCEPTED);

  if (text.startsWith("@")) {
    const name = text.toLowerCase();
    if (name === "@once") return ok({ kind: "once" });
    const expression = CRON_PRESETS[name];
    if (expression) return ok({ kind: "cron", expression, preset: name });
    return invalid(
      `${JSON.stringify(text)} is not a preset; expected one of ${PRESET_NAMES.join(", ")}${didYouMean(name)}`,
    );
  }

  if (!/\s/.test(text)) {
    const milliseconds = parseDurationString(text);
    if (milliseconds !== undefined) {
      if (milliseconds <= 0) return invalid('a fixed interval must be longer than zero, for example "30m"');
      return ok({ kind: "interval", milliseconds, text });
    }
    if (/^(none|null)$/i.test(text)) return invalid(`for manual runs only use schedule: null (not a string)`);
    return invalid(`${ACCEPTED}${didYouMean(`@${text.toLowerCase()}`)}`);
  }

  const fields = checkCronFields(text);
  if (!fields.ok) return invalid(fields.problem);
  const expression = fields.fields.join(" ");
  try {
    const cron = new Cron(expression, { paused: true, legacyMode: true });
    if (cron.nextRun(new Date(Date.UTC(2000, 0, 1))) === null) {
      return invalid("it matches no date at all (check the day of month against the month)");
    }
  } catch (error) {
    return invalid(error instanceof Error ? error.message : String(error));
  }
  return ok({ kind: "cron", expression });
}

function didYouMean(name: string): string {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const preset of PRESET_NAMES) {
    const distance = editDistance(name, preset);
    if (distance < bestDistance) {
      best = preset;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= 2 ? `. Did you mean "${best}"?` : "";
}
