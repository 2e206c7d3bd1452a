import type { Command } from "commander";

/** Placeholder until the config commands land. */
export function registerConfigCommands(_program: Command): void {}
