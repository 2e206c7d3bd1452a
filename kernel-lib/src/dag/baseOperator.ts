import { DagDefinitionError } from "../errors.js";
import type { TaskContext } from "./context.js";
import type { DAG } from "./dag.js";
import { invalidIdReason } from "./ids.js";
import { callerFileLater } from "./location.js";
import { resolveTaskSettings, type ResolvedTaskSettings, type TaskSettings } from "./taskOptions.js";

/** Options every operator takes: an id, optionally its DAG, and the task settings. */
export interface BaseOperatorOptions extends TaskSettings {
  /** Unique within the DAG: letters, digits, `_`, `-`, `.`. */
  taskId: string;
  /** The DAG to add the task to (or call `dag.add(task)` later). */
  dag?: DAG;
  /** Markdown shown to students on the task's page. */
  doc?: string;
  /** Ids of tasks this one depends on, resolved when the DAG is validated. */
  upstream?: string[];
}

/** A value a branching operator can return: one task id, several, or none. */
export type TaskIdSelection = string | readonly string[] | null | undefined;

/** What `execute` may ask of the engine besides returning a value. */
export interface ExecuteOutcome {
  returnValue?: unknown;
  /** Direct downstream tasks this attempt decided to skip (branching, short-circuit). */
  skipTaskIds?: readonly string[];
}

const OUTCOME_BRAND = Symbol.for("kitelab.executeOutcome");

/** Wraps a return value with engine instructions; used by branching operators. */
export function outcome(value: ExecuteOutcome): ExecuteOutcome {
  return Object.assign(Object.create(null), value, { [OUTCOME_BRAND]: true }) as ExecuteOutcome;
}

export function isExecuteOutcome(value: unknown): value is ExecuteOutcome {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[OUTCOME_BRAND] === true;
}

const TASK_BRAND = Symbol.for("kitelab.task");

/** True for any Kitelab task, even one created by another copy of the library. */
export function isTask(value: unknown): value is BaseOperator {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[TASK_BRAND] === true;
}

/**
 * The base of every task. Subclasses set `operatorName`, list their `templateFields`
 * (rendered with handlebars before `execute`) and implement `execute`.
 */
export abstract class BaseOperator {
  readonly [TASK_BRAND] = true;
  readonly taskId: string;
  readonly doc?: string;
  private readonly definitionSite: () => string | undefined;
  /** The file that defined this task (read from the call stack when first asked). */
  get definedIn(): string | undefined {
    return this.definitionSite();
  }
  /** Names of own properties rendered as templates before each attempt. */
  readonly templateFields: readonly string[] = [];
  /** Templated fields that hold HTML: rendered with escaping (an email body). */
  readonly htmlTemplateFields: readonly string[] = [];
  abstract readonly operatorName: string;
  private readonly ownSettings: TaskSettings;
  private readonly declaredUpstream: readonly string[];
  private owner?: DAG;

  constructor(options: BaseOperatorOptions) {
    this.definitionSite = callerFileLater();
    const reason = invalidIdReason(options?.taskId, "task id");
    if (reason) {
      throw new DagDefinitionError(reason, { dagId: options?.dag?.dagId, file: this.definedIn });
    }
    this.taskId = options.taskId;
    this.doc = options.doc;
    const { taskId: _id, dag, doc: _doc, upstream, ...settings } = options;
    this.ownSettings = { ...settings };
    this.declaredUpstream = [...(upstream ?? [])];
    // Check the task's own settings now, so a typo points at this line, not at run time.
    const task = this;
    resolveTaskSettings(
      this.ownSettings,
      {},
      {
        taskId: this.taskId,
        get file() {
          return task.definedIn;
        },
        dagId: dag?.dagId,
      },
    );
    if (dag) dag.add(this);
  }

  /** Runs one attempt. Its JSON-serializable return value becomes the task's XCom. */
  abstract execute(context: TaskContext): Promise<unknown>;

  /** The DAG this task belongs to. */
  get dag(): DAG {
    if (!this.owner) {
      throw new DagDefinitionError("this task belongs to no DAG; pass `dag` or call `dag.add(task)`", {
        taskId: this.taskId,
        file: this.definedIn,
      });
    }
    return this.owner;
  }

  get hasDag(): boolean {
    return this.owner !== undefined;
  }

  /** Settings with the DAG's defaultArgs applied. */
  get settings(): ResolvedTaskSettings {
    const owner = this.owner;
    return resolveTaskSettings(
      this.ownSettings,
      owner?.defaultArgs ?? {},
      { dagId: owner?.dagId, taskId: this.taskId, file: this.definedIn },
      (message) => owner?.warn(message),
    );
  }

  get upstreamIds(): ReadonlySet<string> {
    return this.owner?.upstreamOf(this.taskId) ?? new Set(this.declaredUpstream);
  }

  get downstreamIds(): ReadonlySet<string> {
    return this.owner?.downstreamOf(this.taskId) ?? new Set();
  }

  /** @internal Called by DAG.add. */
  attach(dag: DAG): readonly string[] {
    if (this.owner && this.owner !== dag) {
      throw new DagDefinitionError(`task '${this.taskId}' already belongs to DAG '${this.owner.dagId}'`, {
        dagId: dag.dagId,
        file: this.definedIn,
      });
    }
    this.owner = dag;
    return this.declaredUpstream;
  }

  /**
   * Makes `next` run after this task; returns `next`, so calls chain: `a.then(b).then(c)`.
   * An array fans out: `a.then([b, c])`.
   */
  then<T extends BaseOperator | readonly BaseOperator[]>(next: T): T {
    if (typeof next === "function") {
      // A promise resolving to a task calls `then(resolve, reject)`; say what happened instead of a type error.
      throw new DagDefinitionError(
        `Task '${this.taskId}' was awaited or returned from an async function: a task is not a promise, and its ` +
          "`then` sets a dependency. Return the DAG or wrap the task in an object: `return { task }`.",
      );
    }
    const targets: readonly BaseOperator[] = Array.isArray(next) ? next : [next as BaseOperator];
    for (const target of targets) this.dag.setDependency(this, target);
    return next;
  }

  /** Makes this task run after `previous` (the reverse of `then`). Returns this task. */
  after(previous: BaseOperator | readonly BaseOperator[]): this {
    const sources: readonly BaseOperator[] = Array.isArray(previous) ? previous : [previous as BaseOperator];
    for (const source of sources) this.dag.setDependency(source, this);
    return this;
  }

  /** Runs this one task in-process (Airflow's `airflow tasks test`). */
  async test(options: import("./testing.js").TaskTestOptions = {}) {
    const { testTask } = await import("../runtime/inProcessRun.js");
    return testTask(this, options);
  }
}

/**
 * Wires tasks in sequence; an array in the sequence fans out from the previous element
 * and fans in to the next.
 * @example chain(extract, [transformA, transformB], load)
 */
export function chain(...steps: Array<BaseOperator | readonly BaseOperator[]>): void {
  for (let index = 1; index < steps.length; index += 1) {
    const previous = asList(steps[index - 1]!);
    const next = asList(steps[index]!);
    if (previous.length > 1 && next.length > 1 && previous.length !== next.length) {
      throw new DagDefinitionError(
        `chain() cannot connect a list of ${previous.length} tasks to a list of ${next.length}; lists next to each other must have the same length`,
      );
    }
    if (previous.length > 1 && next.length > 1) {
      previous.forEach((task, position) => task.then(next[position]!));
    } else {
      for (const source of previous) for (const target of next) source.then(target);
    }
  }
}

function asList(step: BaseOperator | readonly BaseOperator[]): readonly BaseOperator[] {
  return Array.isArray(step) ? step : [step as BaseOperator];
}
