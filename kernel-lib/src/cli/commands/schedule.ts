import type { Command } from "commander";
import {
  DEFAULT_PREVIEW_LIMIT,
  createTimetable,
  firstRunWarning,
  formatWallTime,
  previewSchedule,
  timezoneProblem,
  type RunInfo,
  type Semantics,
  type TimetableOptions,
} from "../../timetable/index.js";
import { parseIsoInstant } from "../../timetable/isoDate.js";
import { CliError, formatTable, type Column } from "../output.js";

interface PreviewFlags {
  schedule: string;
  startDate?: string;
  endDate?: string;
  catchup: boolean;
  timezone?: string;
  now?: string;
  semantics: string;
  json?: boolean;
  limit: string;
}

/** `kitelab schedule ...`: see what a schedule does before a DAG uses it. */
export function registerScheduleCommands(program: Command): void {
  const schedule = program
    .command("schedule")
    .description("Explore schedules: which runs exist, with which data intervals");

  schedule
    .command("preview")
    .description("List the runs a schedule creates up to now (or --now), and the next one")
    .requiredOption("--schedule <expr>", 'cron ("0 12 * * *"), preset (@daily), fixed interval (2h), or none')
    .option("--start-date <iso>", "the DAG's startDate (ISO-8601; without an offset, read in --timezone)")
    .option("--end-date <iso>", "the DAG's endDate (ISO-8601)")
    .option("--no-catchup", "only the latest interval runs, not every missed one")
    .option("--timezone <iana>", "time zone the cron expression is evaluated in (default UTC)")
    .option("--now <iso>", "preview at this instant instead of the current time")
    .option(
      "--semantics <name>",
      "airflow2 (run at the end of the interval) or airflow3 (run at the scheduled time)",
      "airflow2",
    )
    .option("--json", "print one JSON object: {due, next}")
    .option("--limit <n>", `list at most n due runs (1-${DEFAULT_PREVIEW_LIMIT})`, String(DEFAULT_PREVIEW_LIMIT))
    .action((flags: PreviewFlags) => {
      const { options, now, limit } = readFlags(flags);
      const preview = previewSchedule({ ...options, now, limit });
      if (!preview.ok) throw new CliError(preview.error);
      const { due, next, truncated } = preview.value;
      if (flags.json) {
        const output = {
          due: due.map(runJson),
          next: next ? runJson(next) : null,
          ...(truncated ? { truncated: true } : {}),
        };
        process.stdout.write(`${JSON.stringify(output)}\n`);
        return;
      }
      process.stdout.write(`${renderPreview(options, flags.timezone, now, due, next, truncated)}\n`);
    });
}

function readFlags(flags: PreviewFlags): { options: TimetableOptions; now: Date; limit: number } {
  const timezoneError = flags.timezone === undefined ? undefined : timezoneProblem(flags.timezone);
  if (timezoneError) throw new CliError(`--timezone: ${timezoneError}`);
  const timezone = flags.timezone ?? "UTC";
  const scheduleText = flags.schedule.trim();
  const schedule = /^(none|null)$/i.test(scheduleText) ? null : scheduleText;
  const semantics = flags.semantics;
  if (semantics !== "airflow2" && semantics !== "airflow3") {
    throw new CliError(`--semantics must be airflow2 or airflow3, got ${JSON.stringify(semantics)}`);
  }
  const limit = Number(flags.limit);
  if (!/^\d+$/.test(flags.limit) || limit < 1 || limit > DEFAULT_PREVIEW_LIMIT) {
    throw new CliError(
      `--limit must be a whole number from 1 to ${DEFAULT_PREVIEW_LIMIT}, got ${JSON.stringify(flags.limit)}`,
    );
  }
  const now = flags.now === undefined ? new Date() : isoFlag("--now", flags.now, timezone);
  const startDate = flags.startDate === undefined ? undefined : isoFlag("--start-date", flags.startDate, timezone);
  const endDate = flags.endDate === undefined ? undefined : isoFlag("--end-date", flags.endDate, timezone);
  if (schedule !== null && !startDate) {
    throw new CliError(
      `--start-date is required with --schedule ${JSON.stringify(schedule)}, for example --start-date 2024-01-01`,
    );
  }
  if (startDate && endDate && endDate < startDate) {
    throw new CliError(`--end-date ${endDate.toISOString()} is before --start-date ${startDate.toISOString()}`);
  }
  const options: TimetableOptions = {
    schedule,
    startDate: startDate ?? now,
    endDate,
    catchup: flags.catchup,
    timezone,
    semantics: semantics satisfies Semantics,
  };
  const checked = createTimetable(options);
  if (!checked.ok) throw new CliError(`--schedule: ${checked.error}`);
  return { options, now, limit };
}

function isoFlag(flag: string, text: string, timezone: string): Date {
  const date = parseIsoInstant(text, timezone);
  if (!date) {
    throw new CliError(
      `${flag} ${JSON.stringify(text)} is not an ISO-8601 date (expected e.g. 2024-01-01 or 2024-01-01T12:00:00Z)`,
    );
  }
  return date;
}

function runJson(run: RunInfo): Record<string, string> {
  return {
    logicalDate: run.logicalDate.toISOString(),
    dataIntervalStart: run.dataIntervalStart.toISOString(),
    dataIntervalEnd: run.dataIntervalEnd.toISOString(),
    runAfter: run.runAfter.toISOString(),
  };
}

function renderPreview(
  options: TimetableOptions,
  localZone: string | undefined,
  now: Date,
  due: RunInfo[],
  next: RunInfo | null,
  truncated: boolean,
): string {
  const timetable = createTimetable(options);
  const description = timetable.ok ? timetable.value.description : "";
  const zones = localZone && localZone !== "UTC" ? ["UTC", localZone] : ["UTC"];
  const lines = [
    `Schedule:  ${options.schedule ?? "none"}: ${description}`,
    `Semantics: ${semanticsSentence(options.semantics ?? "airflow2")}`,
    `Catchup:   ${options.catchup ? "on: one run for every interval missed since the start date" : "off: only the latest complete interval runs"}`,
    `Now:       ${zones.map((zone) => `${formatWallTime(now, zone, zone !== "UTC")} ${zone}`).join(" = ")}`,
  ];
  const warning = firstRunWarning({ ...options, now });
  if (warning) lines.push(`Note:      ${warning}`);
  lines.push("");
  if (options.schedule === null) {
    lines.push("No run is ever due on its own: trigger this DAG manually.");
    return lines.join("\n");
  }
  if (due.length === 0) lines.push("No runs are due yet.");
  else {
    const more = truncated ? ` (the first ${due.length}; more are due: raise --limit or move --start-date)` : "";
    lines.push(`${due.length} run${due.length === 1 ? "" : "s"} due${more}:`, formatTable(due, runColumns(zones)));
  }
  lines.push("");
  if (next) {
    const at = zones.map((zone) => `${formatWallTime(next.runAfter, zone, zone !== "UTC")} ${zone}`).join(" = ");
    lines.push(
      `Next run:  logical date ${next.logicalDate.toISOString()}, data interval ${interval(next, "UTC")}, runs at ${at} (in ${length(next.runAfter.getTime() - now.getTime())})`,
    );
  } else {
    lines.push("Next run:  none, ever: the schedule has no more runs before the end date.");
  }
  return lines.join("\n");
}

function semanticsSentence(semantics: Semantics): string {
  return semantics === "airflow2"
    ? "airflow2: a run covers the interval between two scheduled times and starts when it ends; its logical date is the interval's start"
    : "airflow3: a run starts at each scheduled time and is named after it; its data interval is that instant";
}

function runColumns(zones: string[]): Column<RunInfo>[] {
  const columns: Column<RunInfo>[] = [];
  for (const zone of zones) {
    const local = zone !== "UTC";
    columns.push(
      { header: `logical date (${zone})`, value: (run) => formatWallTime(run.logicalDate, zone, local) },
      { header: `data interval (${zone})`, value: (run) => interval(run, zone) },
      { header: `runs at (${zone})`, value: (run) => formatWallTime(run.runAfter, zone, local) },
    );
  }
  columns.push({
    header: "length",
    value: (run) => length(run.dataIntervalEnd.getTime() - run.dataIntervalStart.getTime()),
  });
  return columns;
}

function interval(run: RunInfo, zone: string): string {
  return `${formatWallTime(run.dataIntervalStart, zone)} -> ${formatWallTime(run.dataIntervalEnd, zone)}`;
}

/** 82_800_000 → "23h"; 604_800_000 → "7d"; 5_400_000 → "1h30m"; 0 → "0s". */
function length(ms: number): string {
  if (ms <= 0) return "0s";
  const day = 86_400_000;
  if (ms % day === 0 && ms >= 3 * day) return `${ms / day}d`;
  const parts: string[] = [];
  let rest = ms;
  for (const [size, unit] of [
    [3_600_000, "h"],
    [60_000, "m"],
    [1000, "s"],
    [1, "ms"],
  ] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * size;
  }
  return parts.join("");
}
