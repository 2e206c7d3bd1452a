import type { Command } from "commander";

/** Placeholder until the connections commands land. */
export function registerConnectionCommands(_program: Command): void {}
