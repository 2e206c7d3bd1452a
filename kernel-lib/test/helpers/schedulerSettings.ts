import type { SchedulerSettings } from "../../src/scheduler/scheduler.js";

/** Scheduler settings for tests that run a real Scheduler over a temporary home; override what the test is about. */
export function testSchedulerSettings(
  dags: string,
  logs: string,
  overrides: Partial<SchedulerSettings> = {},
): SchedulerSettings {
  return {
    dagFolders: [dags],
    listIntervalMs: 60_000,
    importTimeoutMs: 10_000,
    parallelism: 2,
    maxActiveTasksPerDag: 16,
    maxActiveRunsPerDag: 16,
    catchupByDefault: true,
    pausedAtCreation: false,
    heartbeatMs: 1000,
    semantics: "airflow2",
    baseLogFolder: logs,
    xcomMaxBytes: 48 * 1024,
    ...overrides,
  };
}
