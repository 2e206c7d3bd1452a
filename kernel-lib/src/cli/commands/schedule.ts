import type { Command } from "commander";

/** Placeholder until the schedule commands land. */
export function registerScheduleCommands(_program: Command): void {}
