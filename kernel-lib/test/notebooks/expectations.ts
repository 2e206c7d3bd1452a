/**
 * Checks a notebook run (the JSON summary printed by run_notebook.py) against the expectations
 * its cells declare in their metadata:
 *
 * ```json
 * "metadata": { "kitelab": { "expect": ["kitelab 0."], "expectError": "not assignable" } }
 * ```
 *
 * `expect`: every substring must appear in the cell's outputs (stream text, text/plain,
 * text/html, error text). `expectError`: the cell must fail and its outputs contain the
 * substring. Any other code cell must run without error.
 *
 * A lab notebook runs twice: with the exercises' stubs (the lab as the course ships it) and
 * with the lab's `solutions/` copied in. `"stubs": {...}` and `"solutions": {...}` add
 * expectations (the same two keys) for one of those runs only.
 */

/** The JSON object run_notebook.py prints. */
export interface NotebookRunSummary {
  notebook: string;
  executed: string;
  declaredKernel: string | null;
  kernelDir: string;
  cwd: string;
  stopped: string | null;
  cells: CellSummary[];
}

export type CellStatus = "ok" | "error" | "abort" | "timeout" | "not-run";

export interface CellSummary {
  index: number;
  cellType: "code" | "markdown" | "raw";
  source: string;
  /** The cell's raw `kitelab` metadata, checked by {@link parseCellExpectations}. */
  kitelab: unknown;
  status: CellStatus | null;
  text: string;
}

export interface CellExpectations {
  expect?: string[];
  expectError?: string;
}

/** Which copy of the lab a notebook ran against: the shipped stubs or the solutions. */
export type LabVariant = "stubs" | "solutions";

const VARIANTS: readonly LabVariant[] = ["stubs", "solutions"];

/**
 * Returns one line per unmet expectation; an empty list means the notebook ran as declared.
 * `variant` may differ per cell (a function of the cell's index) for a run in which the
 * student fixed the lab midway.
 */
export function checkNotebookRun(
  summary: NotebookRunSummary,
  variant: LabVariant | ((cellIndex: number) => LabVariant) = "stubs",
): string[] {
  const variantOf = typeof variant === "function" ? variant : () => variant;
  const problems: string[] = [];
  if (summary.declaredKernel !== "tslab") {
    problems.push(
      `the notebook declares kernel ${JSON.stringify(summary.declaredKernel)}; set its kernelspec name to "tslab"`,
    );
  }
  if (summary.stopped !== null) problems.push(`the run stopped early: ${summary.stopped}`);
  for (const cell of summary.cells) {
    if (cell.cellType === "code") problems.push(...checkCell(cell, variantOf(cell.index)));
  }
  return problems;
}

function checkCell(cell: CellSummary, variant: LabVariant): string[] {
  const where = `cell ${cell.index} (${firstLine(cell.source)})${variant === "solutions" ? " [solutions]" : ""}`;
  let declared: CellExpectations;
  try {
    declared = parseCellExpectations(cell.kitelab, where, variant);
  } catch (error) {
    return [(error as Error).message];
  }
  const problems: string[] = [];
  const expectError = declared.expectError;
  if (expectError !== undefined) {
    if (cell.status !== "error") {
      problems.push(
        `${where} should fail with an error containing ${JSON.stringify(expectError)}, but its status is ${cell.status}`,
      );
    } else if (!cell.text.includes(expectError)) {
      problems.push(`${where} failed, but its output lacks ${JSON.stringify(expectError)}:\n${indent(cell.text)}`);
    }
  } else if (cell.status !== "ok") {
    problems.push(`${where} ended with status ${cell.status}:\n${indent(cell.text)}`);
  }
  for (const expected of declared.expect ?? []) {
    if (!cell.text.includes(expected)) {
      problems.push(`${where} output lacks ${JSON.stringify(expected)}; it was:\n${indent(cell.text)}`);
    }
  }
  return problems;
}

/** Reads a cell's `kitelab` metadata for one variant, refusing shapes the checker would silently ignore. */
export function parseCellExpectations(value: unknown, where: string, variant: LabVariant = "stubs"): CellExpectations {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(`Expected ${where} metadata "kitelab" to be an object, got ${JSON.stringify(value)}`);
  }
  const { stubs, solutions, ...common } = value as Record<string, unknown>;
  const base = parseExpectationKeys(common, where, "kitelab");
  const forVariant = { stubs, solutions };
  for (const name of VARIANTS) parseExpectationKeys(forVariant[name] ?? {}, where, `kitelab.${name}`);
  const extra = parseExpectationKeys(forVariant[variant] ?? {}, where, `kitelab.${variant}`);
  const expect = [...(base.expect ?? []), ...(extra.expect ?? [])];
  const expectError = extra.expectError ?? base.expectError;
  return {
    ...(base.expect !== undefined || extra.expect !== undefined ? { expect } : {}),
    ...(expectError !== undefined ? { expectError } : {}),
  };
}

function parseExpectationKeys(value: unknown, where: string, name: string): CellExpectations {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`Expected ${where} metadata "${name}" to be an object, got ${JSON.stringify(value)}`);
  }
  const { expect, expectError, ...rest } = value as Record<string, unknown>;
  const unknownKeys = Object.keys(rest);
  if (unknownKeys.length > 0) {
    throw new TypeError(
      `Unknown key(s) ${unknownKeys.join(", ")} in ${where} metadata "${name}"; use "expect" or "expectError"${name === "kitelab" ? ', or "stubs" / "solutions" holding those' : ""}`,
    );
  }
  if (expect !== undefined && (!Array.isArray(expect) || !expect.every((e) => typeof e === "string"))) {
    throw new TypeError(`Expected ${where} "${name}.expect" to be an array of strings, got ${JSON.stringify(expect)}`);
  }
  if (expectError !== undefined && typeof expectError !== "string") {
    throw new TypeError(`Expected ${where} "${name}.expectError" to be a string, got ${JSON.stringify(expectError)}`);
  }
  return {
    ...(expect !== undefined ? { expect: expect as string[] } : {}),
    ...(expectError !== undefined ? { expectError } : {}),
  };
}

function firstLine(source: string): string {
  const line = source.split("\n").find((l) => l.trim() !== "") ?? "";
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

function indent(text: string): string {
  const shown = text.length > 2000 ? `${text.slice(0, 2000)}\n[... ${text.length - 2000} more characters]` : text;
  return shown.replace(/^/gm, "    ");
}

/** A notebook file as `jupyter nbconvert --execute` writes it (the parts checked here). */
export interface ExecutedNotebook {
  cells: {
    cell_type: string;
    source: string | string[];
    execution_count?: number | null;
    metadata?: { kitelab?: unknown };
    outputs?: {
      output_type: string;
      text?: string | string[];
      data?: Record<string, string | string[]>;
      ename?: string;
      evalue?: string;
    }[];
  }[];
}

/**
 * Checks a notebook executed by another client (nbconvert): every non-blank code cell ran, and
 * its outputs hold what its `kitelab` metadata expects. The file keeps no reply status, so a
 * cell's failure is judged by its expected error text alone.
 */
export function checkExecutedNotebook(nb: ExecutedNotebook): string[] {
  const problems: string[] = [];
  nb.cells.forEach((cell, index) => {
    const source = joined(cell.source);
    if (cell.cell_type !== "code" || source.trim() === "") return;
    const where = `cell ${index} (${firstLine(source)})`;
    if ((cell.execution_count ?? null) === null) {
      problems.push(`${where} was not run`);
      return;
    }
    let declared: CellExpectations;
    try {
      declared = parseCellExpectations(cell.metadata?.kitelab, where);
    } catch (error) {
      problems.push((error as Error).message);
      return;
    }
    const text = (cell.outputs ?? []).map(outputText).join("");
    for (const expected of [
      ...(declared.expect ?? []),
      ...(declared.expectError !== undefined ? [declared.expectError] : []),
    ]) {
      if (!text.includes(expected))
        problems.push(`${where} output lacks ${JSON.stringify(expected)}; it was:\n${indent(text)}`);
    }
  });
  return problems;
}

function outputText(output: NonNullable<ExecutedNotebook["cells"][number]["outputs"]>[number]): string {
  if (output.output_type === "stream") return joined(output.text ?? "");
  if (output.output_type === "error") return `${output.ename}: ${output.evalue}\n`;
  return ["text/plain", "text/html"].map((mime) => joined(output.data?.[mime] ?? "")).join("");
}

function joined(text: string | string[]): string {
  return Array.isArray(text) ? text.join("") : text;
}
