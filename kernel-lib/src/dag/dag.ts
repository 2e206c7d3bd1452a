import { DagDefinitionError, describeValue, KitelabError } from "../errors.js";
import { compileEngineDag, type EngineDag } from "../engine/runEngine.js";
import { serializeDag } from "./serialize.js";
import { parseSchedule, firstRunWarning, timezoneProblem } from "../timetable/index.js";
import type { TaskContext } from "./context.js";
import { type BaseOperator, isTask, type BaseOperatorOptions } from "./baseOperator.js";
import { pathBetween } from "./graph.js";
import { invalidIdReason } from "./ids.js";
import { callerFile } from "./location.js";
import { editDistance } from "../util/editDistance.js";
import { registerDag } from "./registry.js";
import { normalizeEmailList, resolveTaskSettings, type TaskSettings } from "./taskOptions.js";
import { FunctionTask } from "./functionTask.js";
import type { DagTestOptions, DagTestResult } from "./testing.js";
import type { GraphInput } from "../graph/types.js";
import { configuredScheduleDefaults } from "../config/scheduleDefaults.js";
import type { TaskInstanceState } from "../states.js";

export type ScheduleSemantics = "airflow2" | "airflow3";

/** When a run-summary email is sent (Kitelab's addition to Airflow). */
export interface RunSummaryEmail {
  to: string | string[];
  /** @default "both" */
  when?: "success" | "failure" | "both";
}

/** Options of a DAG. Dates accept a Date or an ISO-8601 string. */
export interface DagOptions {
  /** Unique id: letters, digits, `_`, `-`, `.`. */
  dagId: string;
  description?: string;
  /**
   * A cron expression (`"0 12 * * *"`), a preset (`"@daily"`, `"@once"`...), a fixed
   * interval (`"30m"`, `"2h"`, `"1d"`), or `null` for manual runs only.
   * @default null
   */
  schedule?: string | null;
  /** First data interval starts here. Required unless the schedule is null. */
  startDate?: Date | string;
  /** No data interval ends after this. */
  endDate?: Date | string;
  /** Create a run for every missed interval. @default `[scheduler] catchup_by_default` (true) */
  catchup?: boolean;
  /** IANA time zone the schedule is evaluated in. @default "UTC" */
  timezone?: string;
  /** @default `[core] max_active_runs_per_dag` (16) */
  maxActiveRuns?: number;
  /** @default `[core] max_active_tasks_per_dag` (16) */
  maxActiveTasks?: number;
  /** Settings every task inherits unless it sets its own. */
  defaultArgs?: TaskSettings;
  /** Run parameters with their defaults; a manual trigger's conf overrides them. */
  params?: Record<string, unknown>;
  tags?: string[];
  /** @default `[core] dags_are_paused_at_creation` (true) */
  isPausedUponCreation?: boolean;
  /** Markdown shown to students on the DAG's page. */
  doc?: string;
  /** Airflow 2 (a run fires at the end of its interval) or Airflow 3 semantics. @default from config */
  scheduleSemantics?: ScheduleSemantics;
  /** Mail a summary of each finished run. */
  runSummaryEmail?: RunSummaryEmail;
}

const DAG_BRAND = Symbol.for("kitelab.dag");

/** True for any Kitelab DAG, even one created by another copy of the library. */
export function isDag(value: unknown): value is DAG {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[DAG_BRAND] === true;
}

type TaskFunction<T> = (context: TaskContext) => T | Promise<T>;
type FunctionTaskOptions = Omit<BaseOperatorOptions, "taskId" | "dag">;

/**
 * A DAG: tasks and their dependencies, and when it runs.
 * @example
 * const dag = new DAG({ dagId: "etl", schedule: "@daily", startDate: "2024-01-01" });
 * const extract = dag.task("extract", async ({ ds }) => ({ day: ds }));
 * const load = dag.task("load", async ({ ti }) => ti.xcomPull("extract"));
 * extract.then(load);
 */
export class DAG {
  readonly [DAG_BRAND] = true;
  readonly dagId: string;
  readonly description?: string;
  readonly schedule: string | null;
  readonly startDate?: Date;
  readonly endDate?: Date;
  readonly catchup?: boolean;
  readonly timezone: string;
  readonly maxActiveRuns?: number;
  readonly maxActiveTasks?: number;
  readonly defaultArgs: Readonly<TaskSettings>;
  readonly params: Readonly<Record<string, unknown>>;
  readonly tags: readonly string[];
  readonly isPausedUponCreation?: boolean;
  readonly doc?: string;
  readonly scheduleSemantics?: ScheduleSemantics;
  readonly runSummaryEmail?: RunSummaryEmail;
  /** The file that defined this DAG. */
  readonly fileloc?: string;
  /** Problems that do not stop the DAG from loading (shown by the CLI and status page). */
  readonly warnings: string[] = [];
  private readonly taskMap = new Map<string, BaseOperator>();
  private readonly upstream = new Map<string, Set<string>>();
  private readonly downstream = new Map<string, Set<string>>();
  private readonly pendingUpstream = new Map<string, readonly string[]>();

  constructor(options: DagOptions) {
    this.fileloc = callerFile();
    if (typeof options !== "object" || options === null) {
      throw new DagDefinitionError(
        `new DAG(...) expects an options object such as { dagId: "my_dag" }, got ${describeValue(options)}`,
        {
          file: this.fileloc,
        },
      );
    }
    const idProblem = invalidIdReason(options.dagId, "DAG id");
    if (idProblem) throw new DagDefinitionError(idProblem, { file: this.fileloc });
    this.dagId = options.dagId;
    const where = { dagId: this.dagId, file: this.fileloc };
    this.description = options.description;
    this.schedule = options.schedule === undefined ? null : options.schedule;
    this.timezone = options.timezone ?? "UTC";
    // A misspelled zone would otherwise load, test fine and never be scheduled.
    const timezoneError = timezoneProblem(this.timezone);
    if (timezoneError) throw new DagDefinitionError(`timezone: ${timezoneError}`, where);
    this.startDate = toDate(options.startDate, "startDate", where);
    this.endDate = toDate(options.endDate, "endDate", where);
    this.catchup = options.catchup;
    this.maxActiveRuns = positiveInteger(options.maxActiveRuns, "maxActiveRuns", where);
    this.maxActiveTasks = positiveInteger(options.maxActiveTasks, "maxActiveTasks", where);
    this.defaultArgs = Object.freeze({ ...(options.defaultArgs ?? {}) });
    this.params = Object.freeze({ ...(options.params ?? {}) });
    this.tags = Object.freeze([...(options.tags ?? [])]);
    this.isPausedUponCreation = options.isPausedUponCreation;
    this.doc = options.doc;
    this.scheduleSemantics = options.scheduleSemantics;
    this.runSummaryEmail = options.runSummaryEmail
      ? {
          ...options.runSummaryEmail,
          to: normalizeEmailList(options.runSummaryEmail.to, (message) => this.warn(`runSummaryEmail: ${message}`)),
        }
      : undefined;

    const parsed = parseSchedule(this.schedule);
    if (!parsed.ok) throw new DagDefinitionError(parsed.error, where);
    if (this.schedule !== null && !this.startDate) {
      throw new DagDefinitionError(
        `schedule "${this.schedule}" needs a startDate, for example startDate: "2024-01-01"; or use schedule: null for manual runs only`,
        where,
      );
    }
    if (this.startDate && this.endDate && this.endDate < this.startDate) {
      throw new DagDefinitionError(
        `endDate ${this.endDate.toISOString()} is before startDate ${this.startDate.toISOString()}`,
        where,
      );
    }
    if (this.schedule !== null && this.startDate) {
      // What the scheduler will do with this DAG: unset options come from airflow.cfg, as there.
      const defaults = configuredScheduleDefaults();
      const warning = firstRunWarning({
        schedule: this.schedule,
        startDate: this.startDate,
        endDate: this.endDate,
        catchup: this.catchup ?? defaults.catchup,
        timezone: this.timezone,
        semantics: this.scheduleSemantics ?? defaults.semantics,
        now: new Date(),
      });
      if (warning) this.warn(warning);
    }
    // A typo in defaultArgs fails here, naming the option, rather than on the first task.
    resolveTaskSettings({}, this.defaultArgs, where, (message) => this.warn(message));
    registerDag(this);
  }

  /** Records a warning about this DAG (it still loads). */
  warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
  }

  /**
   * Adds a function task (Airflow's TaskFlow `@task`). Its return value is its XCom.
   * @example dag.task("extract", async ({ ds, log }) => { log.info(ds); return [1, 2, 3]; })
   * @example dag.task("flaky", { retries: 3, retryDelay: "10s" }, async () => { ... })
   */
  task<T>(taskId: string, fn: TaskFunction<T>): FunctionTask<T>;
  task<T>(taskId: string, options: FunctionTaskOptions, fn: TaskFunction<T>): FunctionTask<T>;
  task<T>(
    taskId: string,
    optionsOrFn: FunctionTaskOptions | TaskFunction<T>,
    maybeFn?: TaskFunction<T>,
  ): FunctionTask<T> {
    if (typeof optionsOrFn === "function" && maybeFn !== undefined) {
      throw new DagDefinitionError(
        `dag.task("${taskId}", ...) got its options after the function; options come first: ` +
          `dag.task("${taskId}", { retries: 3 }, async () => { ... })`,
        { dagId: this.dagId, taskId, file: callerFile() },
      );
    }
    const fn = typeof optionsOrFn === "function" ? optionsOrFn : maybeFn;
    const options = typeof optionsOrFn === "function" ? {} : optionsOrFn;
    if (typeof fn !== "function") {
      throw new DagDefinitionError(`dag.task("${taskId}", ...) needs a function to run, got ${describeValue(fn)}`, {
        dagId: this.dagId,
        taskId,
        file: callerFile(),
      });
    }
    return new FunctionTask<T>({ ...options, taskId, dag: this, fn });
  }

  /** Adds an operator created without `dag`. Returns it. */
  add<T extends BaseOperator>(task: T): T {
    if (!isTask(task)) {
      throw new DagDefinitionError(`dag.add() expects a task or operator, got ${describeValue(task)}`, {
        dagId: this.dagId,
        file: callerFile(),
      });
    }
    const existing = this.taskMap.get(task.taskId);
    if (existing === task) return task;
    if (existing) {
      throw new DagDefinitionError(
        `duplicate task id '${task.taskId}'${existing.definedIn ? ` (first defined in ${existing.definedIn})` : ""}: every task in a DAG needs its own id; rename one of them`,
        { dagId: this.dagId, taskId: task.taskId, file: task.definedIn },
      );
    }
    const declared = task.attach(this);
    this.taskMap.set(task.taskId, task);
    this.upstream.set(task.taskId, new Set());
    this.downstream.set(task.taskId, new Set());
    if (declared.length > 0) this.pendingUpstream.set(task.taskId, declared);
    void task.settings;
    return task;
  }

  /** Makes `downstream` depend on `upstream`. Refuses an edge that would close a cycle. */
  setDependency(upstream: BaseOperator | string, downstream: BaseOperator | string): void {
    const from = this.resolveTask(upstream, "upstream");
    const to = this.resolveTask(downstream, "downstream");
    if (from === to) {
      throw new DagDefinitionError(`task '${from}' cannot depend on itself`, {
        dagId: this.dagId,
        taskId: from,
        file: callerFile() ?? this.fileloc,
      });
    }
    const back = pathBetween(this.downstream, to, from);
    if (back) {
      const cycle = [...back, to];
      throw new DagDefinitionError(
        `adding ${from} -> ${to} creates a cycle: ${cycle.join(" -> ")}. A DAG cannot loop; remove one of these dependencies`,
        { dagId: this.dagId, file: callerFile() ?? this.fileloc },
      );
    }
    this.upstream.get(to)!.add(from);
    this.downstream.get(from)!.add(to);
  }

  private resolveTask(task: BaseOperator | string, role: string): string {
    const taskId = typeof task === "string" ? task : task.taskId;
    if (typeof task !== "string" && !this.taskMap.has(taskId)) this.add(task);
    if (!this.taskMap.has(taskId)) {
      throw new DagDefinitionError(`unknown ${role} task '${taskId}'${this.suggestTask(taskId)}`, {
        dagId: this.dagId,
        file: callerFile() ?? this.fileloc,
      });
    }
    return taskId;
  }

  private suggestTask(taskId: string): string {
    const ids = [...this.taskMap.keys()];
    const close = ids.find((id) => id.toLowerCase() === taskId.toLowerCase() || editDistance(id, taskId) <= 2);
    if (close) return `; did you mean '${close}'?`;
    return ids.length > 0 ? `; the DAG has ${ids.map((id) => `'${id}'`).join(", ")}` : "; the DAG has no tasks yet";
  }

  /**
   * Resolves dependencies declared by id (`upstream: ["extract"]`) and checks the whole
   * DAG. Loaders call it after the file ran; throws DagDefinitionError.
   */
  validate(): this {
    for (const [taskId, upstreamIds] of this.pendingUpstream) {
      for (const upstreamId of upstreamIds) {
        if (!this.taskMap.has(upstreamId)) {
          throw new DagDefinitionError(`unknown upstream task '${upstreamId}'${this.suggestTask(upstreamId)}`, {
            dagId: this.dagId,
            taskId,
            file: this.taskMap.get(taskId)?.definedIn ?? this.fileloc,
          });
        }
        this.setDependency(upstreamId, taskId);
      }
    }
    this.pendingUpstream.clear();
    if (this.taskMap.size === 0) this.warn(`DAG '${this.dagId}' has no tasks`);
    for (const task of this.taskMap.values()) void task.settings;
    return this;
  }

  get tasks(): BaseOperator[] {
    return [...this.taskMap.values()];
  }

  get taskIds(): string[] {
    return [...this.taskMap.keys()];
  }

  hasTask(taskId: string): boolean {
    return this.taskMap.has(taskId);
  }

  getTask(taskId: string): BaseOperator {
    const task = this.taskMap.get(taskId);
    if (!task) {
      throw new DagDefinitionError(`no task '${taskId}'${this.suggestTask(taskId)}`, { dagId: this.dagId });
    }
    return task;
  }

  upstreamOf(taskId: string): ReadonlySet<string> {
    return this.upstream.get(taskId) ?? new Set();
  }

  downstreamOf(taskId: string): ReadonlySet<string> {
    return this.downstream.get(taskId) ?? new Set();
  }

  /** The tasks as the run engine sees them. */
  toEngineDag(): EngineDag {
    return compileEngineDag(this.dagId, serializeDag(this, this.fileloc ?? "").tasks);
  }

  /**
   * Draws the DAG's graph: inline SVG in a notebook (tasks coloured by the states of the
   * last `dag.test()`), an ASCII drawing in a terminal.
   */
  show(): void {
    if (!dagDisplay)
      throw new KitelabError(
        'dag.show() draws with the notebook helpers: import DAG from "kitelab" (not from one of its files)',
      );
    dagDisplay(this);
  }

  /** The graph drawings' view of this DAG, optionally with the states of one run. */
  toGraphInput(states?: ReadonlyArray<{ taskId: string; state: TaskInstanceState; tryNumber: number }>): GraphInput {
    const byId = new Map(states?.map((entry) => [entry.taskId, entry]) ?? []);
    return {
      dagId: this.dagId,
      tasks: this.tasks.map((task) => ({
        taskId: task.taskId,
        upstreamIds: [...this.upstreamOf(task.taskId)],
        operator: task.operatorName,
        triggerRule: task.settings.triggerRule,
        state: byId.get(task.taskId)?.state,
        tryNumber: byId.get(task.taskId)?.tryNumber,
      })),
    };
  }

  /** The result of the latest `dag.test()` of this DAG in this process. */
  lastTestResult?: DagTestResult;

  /**
   * Runs the DAG once, in this process, with the same engine as the scheduler, printing
   * a live view of task states. Resolves with every task's state, duration, logs and XComs.
   * @example const result = await dag.test({ logicalDate: "2024-01-01" });
   */
  async test(options: DagTestOptions = {}): Promise<DagTestResult> {
    const { testDag } = await import("../runtime/inProcessRun.js");
    this.lastTestResult = await testDag(this, options);
    return this.lastTestResult;
  }
}

/**
 * How `dag.show()` draws a DAG. The notebook layer provides it when "kitelab" is imported,
 * so a DAG (in a worker, a DAG parser) never loads the graph renderer or the notebook display.
 */
let dagDisplay: ((dag: DAG) => void) | undefined;

export function useDagDisplay(display: (dag: DAG) => void): void {
  dagDisplay = display;
}

function toDate(
  value: Date | string | undefined,
  name: string,
  where: { dagId: string; file?: string },
): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const date =
    value instanceof Date ? new Date(value.getTime()) : typeof value === "string" ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new DagDefinitionError(
      `Expected \`${name}\` to be a date such as "2024-01-01" or new Date("2024-01-01T00:00:00Z"), got ${describeValue(value)}`,
      where,
    );
  }
  return date;
}

function positiveInteger(
  value: number | undefined,
  name: string,
  where: { dagId: string; file?: string },
): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) {
    throw new DagDefinitionError(`Expected \`${name}\` to be a positive integer, got ${describeValue(value)}`, where);
  }
  return value;
}
