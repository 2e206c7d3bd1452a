import { AsyncLocalStorage } from "node:async_hooks";
import { KitelabError } from "../errors.js";
import type { TaskContext } from "../dag/context.js";

const running = new AsyncLocalStorage<TaskContext>();

/** Runs a task's code with `context` as the current context of everything it awaits. */
export function withCurrentContext<T>(context: TaskContext, work: () => T): T {
  return running.run(context, work);
}

/** The context of the task whose code is running, or undefined outside a task. */
export function currentContextOrUndefined(): TaskContext | undefined {
  return running.getStore();
}

/**
 * The context of the task whose code is running (Airflow's `get_current_context()`), so helpers
 * and hooks called from a task need not be handed it.
 * @example const { ds } = getCurrentContext();
 */
export function getCurrentContext(): TaskContext {
  const context = running.getStore();
  if (context === undefined) {
    throw new KitelabError(
      "getCurrentContext() was called outside a running task; call it from a task's code (or pass the context along)",
    );
  }
  return context;
}
