/** Builds the timetable of a DAG from its scheduling options. */
import { describeValue, err, ok, type Result } from "../errors.js";
import { describeSchedule } from "./describe.js";
import { cronGrid, deltaGrid } from "./grid.js";
import { parseSchedule } from "./parseSchedule.js";
import {
  cronManualInterval,
  cronSkipToLatest,
  dataIntervalRules,
  deltaManualInterval,
  deltaSkipToLatest,
  manualRules,
  onceRules,
  triggerRules,
  type Restriction,
  type Rules,
} from "./rules.js";
import type { DataInterval, RunInfo, ScheduleSpec, Semantics, Timetable, TimetableOptions } from "./types.js";
import { timezoneProblem } from "./zonedTime.js";

const SEMANTICS: readonly Semantics[] = ["airflow2", "airflow3"];

/**
 * Checks the options and builds a timetable, or says what is wrong with them.
 *
 * @example
 * const timetable = createTimetable({ schedule: "0 12 * * *", startDate: new Date("2024-01-01"), catchup: true });
 * if (timetable.ok) timetable.value.nextRun(null, new Date("2024-01-03T00:00Z"));
 * // { logicalDate: 2024-01-01T12:00Z, dataIntervalStart: 2024-01-01T12:00Z, dataIntervalEnd: 2024-01-02T12:00Z, runAfter: 2024-01-02T12:00Z }
 */
export function createTimetable(options: TimetableOptions): Result<Timetable> {
  const problem = optionsProblem(options);
  if (problem) return err(problem);
  const parsed = parseSchedule(options.schedule);
  if (!parsed.ok) return parsed;
  const timezone = options.timezone ?? "UTC";
  const semantics = options.semantics ?? "airflow2";
  const restriction: Restriction = {
    startDate: new Date(options.startDate.getTime()),
    endDate: options.endDate ? new Date(options.endDate.getTime()) : undefined,
    catchup: options.catchup,
  };
  const rules = rulesFor(parsed.value, semantics, timezone);
  return ok(
    makeTimetable(rules, restriction, {
      description: describeSchedule(parsed.value, timezone, restriction.startDate),
      schedule: parsed.value,
      semantics,
    }),
  );
}

function optionsProblem(options: TimetableOptions): string | undefined {
  if (!isValidDate(options.startDate)) {
    return `Expected \`startDate\` to be a valid Date, got ${describeValue(options.startDate)}`;
  }
  if (options.endDate !== undefined && !isValidDate(options.endDate)) {
    return `Expected \`endDate\` to be a valid Date, got ${describeValue(options.endDate)}`;
  }
  if (typeof options.catchup !== "boolean") {
    return `Expected \`catchup\` to be true or false, got ${describeValue(options.catchup)}`;
  }
  if (options.timezone !== undefined) {
    const timezoneError = timezoneProblem(options.timezone);
    if (timezoneError) return timezoneError;
  }
  if (options.semantics !== undefined && !SEMANTICS.includes(options.semantics)) {
    return `Expected \`semantics\` to be "airflow2" or "airflow3", got ${describeValue(options.semantics)}`;
  }
  return undefined;
}

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function rulesFor(spec: ScheduleSpec, semantics: Semantics, timezone: string): Rules {
  switch (spec.kind) {
    case "manual":
      return manualRules;
    case "once":
      return onceRules;
    case "cron": {
      const grid = cronGrid(spec.expression, timezone);
      return semantics === "airflow3"
        ? triggerRules(grid)
        : dataIntervalRules(grid, cronSkipToLatest(grid), cronManualInterval(grid));
    }
    case "interval": {
      const grid = deltaGrid(spec.milliseconds);
      return semantics === "airflow3"
        ? triggerRules(grid)
        : dataIntervalRules(grid, deltaSkipToLatest(spec.milliseconds), deltaManualInterval(spec.milliseconds));
    }
  }
}

function makeTimetable(
  rules: Rules,
  restriction: Restriction,
  about: Pick<Timetable, "description" | "schedule" | "semantics">,
): Timetable {
  const nextRun = (lastAutomated: DataInterval | null, now: Date): RunInfo | null =>
    rules.next(lastAutomated, now, restriction);
  return {
    ...about,
    nextRun,
    dueRuns(lastAutomated, now, limit) {
      const due: RunInfo[] = [];
      let cursor = lastAutomated;
      for (;;) {
        const run = nextRun(cursor, now);
        if (!run || run.runAfter > now) return { due, truncated: false };
        const previous = due[due.length - 1];
        if (previous && run.logicalDate <= previous.logicalDate) return { due, truncated: false };
        if (due.length >= limit) return { due, truncated: true };
        due.push(run);
        cursor = { start: run.dataIntervalStart, end: run.dataIntervalEnd };
      }
    },
    manualRun: (triggeredAt) => rules.manual(new Date(triggeredAt.getTime())),
  };
}

/**
 * The latest automated run due at `now`, ignoring catchup and endDate: the run after it is
 * the first one not due at `now`, however many runs came before.
 */
export function latestDueRun(options: TimetableOptions, now: Date): RunInfo | null {
  const timetable = createTimetable({ ...options, catchup: false, endDate: undefined });
  if (!timetable.ok) return null;
  const run = timetable.value.nextRun(null, now);
  return run && run.runAfter <= now ? run : null;
}
