import { KitelabError } from "../errors.js";

/**
 * One thing wrong with the configuration. `message` is complete on its own, for example
 * `/home/ada/kitelab/airflow.cfg line 12: [core] load_examples = maybe is not a boolean; use True or False`.
 */
export interface ConfigProblem {
  readonly message: string;
  /** The config file, when the problem is in it. */
  readonly file?: string;
  readonly line?: number;
  /** The environment variable, when the problem is in one. */
  readonly envVar?: string;
  readonly section?: string;
  readonly key?: string;
  /** The value as written, when a value was refused. */
  readonly value?: string;
}

/**
 * The configuration cannot be used: every problem found is listed, not only the first,
 * so a student fixes them all in one go.
 */
export class ConfigError extends KitelabError {
  override name = "ConfigError";
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    super(formatProblems(problems));
    this.problems = Object.freeze([...problems]);
  }
}

function formatProblems(problems: readonly ConfigProblem[]): string {
  if (problems.length === 1) return problems[0]!.message;
  return [
    `The configuration has ${problems.length} problems:`,
    ...problems.map((problem) => `  - ${problem.message}`),
  ].join("\n");
}

/** "FILE line N: " or "environment variable VAR: ", the prefix every problem message starts with. */
export function problemPlace(where: { file?: string; line?: number; envVar?: string }): string {
  if (where.envVar) return `environment variable ${where.envVar}: `;
  if (where.file && where.line !== undefined) return `${where.file} line ${where.line}: `;
  if (where.file) return `${where.file}: `;
  return "";
}
