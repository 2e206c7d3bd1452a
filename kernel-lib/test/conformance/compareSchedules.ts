/** Kitelab's answers to the schedule and manual-run cases, and where they differ from Airflow's. */
import { previewSchedule } from "../../src/timetable/preview.js";
import { createTimetable } from "../../src/timetable/timetable.js";
import type { RunInfo } from "../../src/timetable/types.js";
import { DUE_LIMIT, type ManualCase, type ScheduleCase } from "./scheduleCases.js";

export interface RunAnswer {
  logicalDate: string;
  dataIntervalStart: string;
  dataIntervalEnd: string;
  runAfter: string;
}

export interface ScheduleAnswer {
  due: RunAnswer[];
  next: RunAnswer | null;
  truncated: boolean;
}

export interface ManualAnswer {
  dataIntervalStart: string;
  dataIntervalEnd: string;
}

const answerOf = (run: RunInfo): RunAnswer => ({
  logicalDate: run.logicalDate.toISOString(),
  dataIntervalStart: run.dataIntervalStart.toISOString(),
  dataIntervalEnd: run.dataIntervalEnd.toISOString(),
  runAfter: run.runAfter.toISOString(),
});

export function kitelabSchedule(c: ScheduleCase): ScheduleAnswer | { error: string } {
  const preview = previewSchedule({
    schedule: c.schedule,
    timezone: c.timezone,
    startDate: new Date(c.startDate),
    endDate: c.endDate ? new Date(c.endDate) : undefined,
    catchup: c.catchup,
    semantics: c.semantics,
    now: new Date(c.now),
    limit: DUE_LIMIT,
  });
  if (!preview.ok) return { error: preview.error };
  const { due, next, truncated } = preview.value;
  return { due: due.map(answerOf), next: next ? answerOf(next) : null, truncated };
}

/** The first difference between the two answers, in words, or undefined when they agree. */
export function scheduleDifference(c: ScheduleCase, airflow: ScheduleAnswer): string | undefined {
  const kitelab = kitelabSchedule(c);
  if ("error" in kitelab) return `Kitelab refused the case: ${kitelab.error}`;
  const count = Math.min(kitelab.due.length, airflow.due.length);
  for (let index = 0; index < count; index += 1) {
    const difference = runDifference(kitelab.due[index]!, airflow.due[index]!);
    if (difference) return `due run #${index + 1}: ${difference}`;
  }
  if (kitelab.truncated || airflow.truncated) {
    return kitelab.due.length === airflow.due.length
      ? undefined
      : `${kitelab.due.length} due runs in Kitelab, ${airflow.due.length} in Airflow`;
  }
  if (kitelab.due.length !== airflow.due.length) {
    return `${kitelab.due.length} due runs in Kitelab, ${airflow.due.length} in Airflow (first extra: ${JSON.stringify(kitelab.due[count] ?? airflow.due[count])})`;
  }
  if (!kitelab.next || !airflow.next) {
    return kitelab.next === airflow.next
      ? undefined
      : `next run: Kitelab ${JSON.stringify(kitelab.next)}, Airflow ${JSON.stringify(airflow.next)}`;
  }
  const difference = runDifference(kitelab.next, airflow.next);
  return difference ? `next run: ${difference}` : undefined;
}

function runDifference(kitelab: RunAnswer, airflow: RunAnswer): string | undefined {
  for (const key of ["logicalDate", "dataIntervalStart", "dataIntervalEnd", "runAfter"] as const) {
    if (kitelab[key] !== airflow[key]) return `${key} Kitelab ${kitelab[key]}, Airflow ${airflow[key]}`;
  }
  return undefined;
}

export function kitelabManual(c: ManualCase): ManualAnswer | { error: string } {
  const timetable = createTimetable({
    schedule: c.schedule,
    timezone: c.timezone,
    semantics: c.semantics,
    startDate: new Date("2020-01-01T00:00Z"),
    catchup: true,
  });
  if (!timetable.ok) return { error: timetable.error };
  const run = timetable.value.manualRun(new Date(c.triggeredAt));
  return { dataIntervalStart: run.dataIntervalStart.toISOString(), dataIntervalEnd: run.dataIntervalEnd.toISOString() };
}

export function manualDifference(c: ManualCase, airflow: ManualAnswer): string | undefined {
  const kitelab = kitelabManual(c);
  if ("error" in kitelab) return `Kitelab refused the case: ${kitelab.error}`;
  if (kitelab.dataIntervalStart === airflow.dataIntervalStart && kitelab.dataIntervalEnd === airflow.dataIntervalEnd)
    return undefined;
  return `data interval Kitelab ${kitelab.dataIntervalStart}..${kitelab.dataIntervalEnd}, Airflow ${airflow.dataIntervalStart}..${airflow.dataIntervalEnd}`;
}
