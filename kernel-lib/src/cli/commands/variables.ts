import type { Command } from "commander";

/** Placeholder until the variables commands land. */
export function registerVariableCommands(_program: Command): void {}
