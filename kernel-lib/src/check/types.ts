import type { KitelabConfig } from "../config/index.js";
import type { SerializedDag } from "../dag/serialize.js";
import type { ImportProblem } from "../dagbag/importFile.js";
import type { DagRunRecord, TaskInstanceRecord, XComRecord } from "../records.js";

/**
 * One requirement of a lab, checked against what the student wrote and ran. A lab's checks
 * live in `labs/<lab-folder>/checks.ts`, which exports `lab` (such as `"lab1"`) and
 * `checks: LabCheck[]`.
 * @example
 * export const checks: LabCheck[] = [{
 *   id: "predict_file",
 *   title: "The predictions are written to latest.csv",
 *   hint: "Give predictWithIO's output list a second path ending in predictions/latest.csv",
 *   run: async (ctx) => (ctx.exists(ctx.workPath("lab1", "predictions/latest.csv")) ? { passed: true } : { passed: false }),
 * }];
 */
export interface LabCheck {
  /** Stable id, snake_case: what a teacher's script keys on. */
  id: string;
  /** What is required, as the student reads it in the table. */
  title: string;
  /** What to look at when the requirement is not met. */
  hint: string;
  run(ctx: CheckContext): Promise<CheckOutcome>;
}

/** `detail` says what was found instead (shown after the hint). */
export type CheckOutcome = { passed: true } | { passed: false; detail?: string };

/** What `kitelab check` prints with `--json`, and what the notebook's `check()` shows. */
export interface LabReport {
  lab: string;
  labDir: string;
  checks: CheckResult[];
  passed: number;
  total: number;
}

export interface CheckResult {
  id: string;
  title: string;
  passed: boolean;
  hint: string;
  detail?: string;
}

/** One DAG file imported in an isolated child process: its DAGs, or why it did not import. */
export type DagFileParse =
  | { ok: true; file: string; dags: SerializedDag[]; warnings: string[] }
  | { ok: false; file: string; error: ImportProblem };

/** What a check may read: the student's lab folder, the Kitelab home and its store, DAG files. */
export interface CheckContext {
  /** The lab folder being checked (the student's copy of `labs/<lab-folder>`). */
  readonly labDir: string;
  /** `$KITELAB_HOME`: config, store, logs, the labs' work folders. */
  readonly home: string;
  readonly config: KitelabConfig;
  /** A path inside the lab folder. */
  labPath(...parts: string[]): string;
  /** A path inside `$KITELAB_HOME/labs/<name>`, where the labs' DAGs write their files. */
  workPath(name: string, ...parts: string[]): string;
  exists(path: string): boolean;
  /** Imports a DAG file (a path in the lab folder or absolute) in a child process (with `[core] dagbag_import_timeout`), as the scheduler does. */
  parseDagFile(path: string): Promise<DagFileParse>;
  /**
   * The DAG `dagId` defined by a DAG file (a path in the lab folder or absolute), or the failed
   * outcome that says why it is not there (no file, an import error, another DAG id).
   * @example
   * const found = await ctx.loadDag("dags/lab1_predict.ts", "lab1_predict");
   * if (!found.ok) return found.outcome;
   */
  loadDag(
    path: string,
    dagId: string,
  ): Promise<{ ok: true; dag: SerializedDag } | { ok: false; outcome: CheckOutcome }>;
  /** The task ids of a DAG. */
  taskIds(dag: SerializedDag): string[];
  /** Every dependency of a DAG as `[upstream, downstream]`. */
  dependencies(dag: SerializedDag): Array<[string, string]>;
  /** Whether `downstream` waits for `upstream` directly. */
  hasDependency(dag: SerializedDag, upstream: string, downstream: string): boolean;
  /** The store: what the scheduler recorded (read-only, fresh at each call). */
  store: {
    dag(dagId: string): SerializedDag | undefined;
    /** The DAG's runs, newest logical date first. */
    runs(dagId: string): DagRunRecord[];
    taskInstances(dagId: string, runId: string): TaskInstanceRecord[];
    /** The XComs of a run (a task's return value has the key `return_value`). */
    xcoms(dagId: string, runId: string): XComRecord[];
    importErrors(): Array<ImportProblem & { file: string }>;
  };
  /** Calls the running scheduler's `/api/v1` with the API token; undefined when none runs. */
  api<T>(method: string, path: string): Promise<T | undefined>;
}
