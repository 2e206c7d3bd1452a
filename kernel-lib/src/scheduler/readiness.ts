import { decideTasks, type EngineDag, type RunDecision, runStateOf } from "../engine/runEngine.js";
import { isFinished } from "../states.js";
import type { TaskInstanceView } from "./schedulerStore.js";

/**
 * What the scheduler knows about one active run between turns, so a turn looks only at the
 * tasks whose answer can have changed: those that changed and their downstream tasks, and
 * those waiting on time (a retry delay, an execution timeout). Looking at the whole run
 * every turn made a wide run's cost grow with the square of its size.
 *
 * The store tells it of every change to the run's task instances ({@link noteChanged}),
 * whoever made it (an attempt's end, a clear, a mark), so it cannot miss one.
 */
export class RunReadiness {
  /** Tasks to decide again: changed ones and their downstream tasks. */
  private readonly stale = new Set<string>();
  /** Tasks found ready and not queued since, in the order they became ready. */
  private readonly ready = new Set<string>();
  /** Tasks whose decision depends on the time: up_for_retry, or running with an execution timeout. */
  private readonly timed = new Set<string>();
  private readonly unfinished = new Set<string>();
  /** Whether the run's instances were checked against the DAG's tasks (tasks added to the file since it was created). */
  instancesChecked = false;

  constructor(
    readonly engine: EngineDag,
    view: TaskInstanceView,
  ) {
    this.noteChanged(engine.order, view);
  }

  /** Records that these tasks' instances changed (or appeared): they and their downstream tasks are decided again. */
  noteChanged(taskIds: Iterable<string>, view: TaskInstanceView): void {
    for (const taskId of taskIds) {
      const task = this.engine.tasks.get(taskId);
      if (!task) continue;
      this.stale.add(taskId);
      this.ready.delete(taskId);
      for (const downstreamId of this.engine.downstream.get(taskId) ?? []) {
        this.stale.add(downstreamId);
        this.ready.delete(downstreamId);
      }
      const state = view[taskId]?.state ?? "none";
      if (isFinished(state)) this.unfinished.delete(taskId);
      else this.unfinished.add(taskId);
      if (state === "up_for_retry" || (state === "running" && task.executionTimeoutMs !== undefined))
        this.timed.add(taskId);
      else this.timed.delete(taskId);
    }
  }

  /**
   * The engine's decision for this turn, as {@link decideRun} would make it over the whole
   * run: `ready` lists every task ready now, those found ready in earlier turns and not
   * queued yet included. The caller writes `changes` to the store, which tells this
   * tracker of them.
   */
  decide(view: TaskInstanceView, now: Date): Omit<RunDecision, "runState"> {
    const focus = [...this.stale, ...this.timed];
    this.stale.clear();
    const decision = decideTasks(this.engine, view, now, focus);
    for (const taskId of decision.ready) this.ready.add(taskId);
    return { ...decision, ready: [...this.ready] };
  }

  /** `running` while a task is unfinished, else the run's final state by the leaf rule. */
  runState(view: TaskInstanceView): RunDecision["runState"] {
    return this.unfinished.size > 0 ? "running" : runStateOf(this.engine, view);
  }
}
