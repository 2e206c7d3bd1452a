/**
 * Timetables: how a schedule turns into DAG runs, with their logical dates and data
 * intervals. Pure: callers pass the current time in.
 */
export type { DataInterval, RunInfo, ScheduleSpec, Semantics, Timetable, TimetableOptions } from "./types.js";
export { CRON_PRESETS, parseSchedule } from "./parseSchedule.js";
export { createTimetable } from "./timetable.js";
export {
  DEFAULT_PREVIEW_LIMIT,
  firstRunWarning,
  previewSchedule,
  type PreviewOptions,
  type SchedulePreview,
} from "./preview.js";
export { describeEvery, describeSchedule } from "./describe.js";
export {
  formatWallTime,
  instantOfWallTime,
  isValidTimezone,
  timezoneProblem,
  wallTimeOf,
  type WallTime,
} from "./zonedTime.js";
