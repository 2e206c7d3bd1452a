import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, extname } from "node:path";
import { TaskError } from "../errors.js";
import type { TaskContext } from "../dag/context.js";
import { strftime } from "../util/strftime.js";
import { readCsv, toCsv } from "./csv.js";

/** Lab 1's file name for dated outputs: `20240101-120000`. */
export const DEFAULT_IO_DATE_FORMAT = "%Y%m%d-%H%M%S";

export interface WithIOOptions<Output> {
  /** The file to read (a template: `"{{ params.data_dir }}/input.csv"`). Read by extension: .csv rows, .json, else text. */
  input: string;
  /**
   * Where the result goes (templates). `{date}` is replaced by the logical date in
   * `dateFormat`, so `["out/{date}.csv", "out/latest.csv"]` keeps a dated copy and a latest one.
   */
  output: string | string[];
  /** @default "%Y%m%d-%H%M%S" */
  dateFormat?: string;
  /** Replace how the input is read. */
  read?: (path: string) => Promise<unknown>;
  /** Replace how the result is written. */
  write?: (path: string, value: Output) => Promise<void>;
}

/** What a file-in/file-out task returns as its XCom: paths, never the data itself. */
export interface IOSummary {
  input: string;
  outputs: string[];
  rows?: number;
}

/**
 * Turns a function on data into a task that reads its input from a file and writes its
 * result to files, so data never travels between tasks in memory (lab 1's lesson).
 * @example
 * dag.task("predict", withIO({ input: "data/model.json", output: ["out/{date}.csv", "out/latest.csv"] }, predict));
 */
export function withIO<Input = unknown, Output = unknown>(
  options: WithIOOptions<Output>,
  fn: (input: Input, context: TaskContext) => Output | Promise<Output>,
): (context: TaskContext) => Promise<IOSummary> {
  const outputs = Array.isArray(options.output) ? options.output : [options.output];
  if (outputs.length === 0) throw new TaskError("withIO needs at least one `output` path");
  return async (context) => {
    const inputPath = context.render(options.input);
    const input = (await (options.read ?? readByExtension)(inputPath).catch((error: NodeJS.ErrnoException) => {
      throw new TaskError(
        error.code === "ENOENT"
          ? `withIO: the input file ${inputPath} does not exist; did the upstream task write it?`
          : `withIO: cannot read ${inputPath}: ${error.message}`,
        { cause: error },
      );
    })) as Input;
    const result = await fn(input, context);
    const stamp = strftime(context.logical_date, options.dateFormat ?? DEFAULT_IO_DATE_FORMAT);
    const written: string[] = [];
    for (const template of outputs) {
      const path = context.render(template).replaceAll("{date}", stamp);
      await mkdir(dirname(path), { recursive: true });
      await (options.write ?? writeByExtension)(path, result);
      written.push(path);
      context.log.info(`Wrote ${path}`);
    }
    return { input: inputPath, outputs: written, rows: Array.isArray(result) ? result.length : undefined };
  };
}

export async function readByExtension(path: string): Promise<unknown> {
  const extension = extname(path).toLowerCase();
  if (extension === ".csv") return readCsv(path);
  const text = await readFile(path, "utf8");
  return extension === ".json" ? JSON.parse(text) : text;
}

/** Writes atomically (temp file, then rename), so a reader never sees half a file. */
export async function writeByExtension(path: string, value: unknown): Promise<void> {
  const extension = extname(path).toLowerCase();
  let text: string;
  if (extension === ".csv") {
    if (!Array.isArray(value))
      throw new TaskError(`withIO: ${path} is a .csv file, so the task must return an array of rows`);
    text = toCsv(value as Record<string, unknown>[]);
  } else if (extension === ".json") {
    text = `${JSON.stringify(value, null, 2)}\n`;
  } else {
    text = typeof value === "string" ? value : JSON.stringify(value);
  }
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}
