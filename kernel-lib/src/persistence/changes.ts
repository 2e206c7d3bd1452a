import type { SerializedDag } from "../dag/serialize.js";
import { type DagRunRecord, type TaskInstanceRecord, withXComs } from "../records.js";
import type { DagStatus } from "../scheduler/schedulerStore.js";
import type { MetaFile, RunFile } from "./schema.js";

/**
 * The changes the store records, one kind per way the scheduler changes state. The store
 * applies a change to its data at once and appends it to the document's journal; reopening
 * applies the journal again to the snapshot. Every change sets values (it never adds to or
 * subtracts from them), so applying it twice gives what applying it once did.
 */
export type RunChange =
  | { kind: "run"; set: Partial<DagRunRecord>; unset: string[] }
  | { kind: "task-instances"; patches: Array<{ taskId: string; set: Partial<TaskInstanceRecord>; unset: string[] }> }
  | { kind: "add-task-instances"; taskInstances: TaskInstanceRecord[] }
  | { kind: "xcoms"; taskId: string; values: Array<{ key: string; value: unknown }> }
  | { kind: "clear-xcoms"; taskId: string };

export type MetaChange =
  | { kind: "dags"; dags: SerializedDag[]; statuses: DagStatus[] }
  | { kind: "statuses"; statuses: DagStatus[] }
  | { kind: "import-errors"; importErrors: MetaFile["importErrors"] }
  | { kind: "heartbeat"; heartbeat: NonNullable<MetaFile["heartbeat"]> }
  | { kind: "delete-dag"; dagId: string };

/** Splits a patch into the values it sets and the keys it removes (`undefined` means remove). */
export function splitPatch<T extends object>(patch: Partial<T>): { set: Partial<T>; unset: string[] } {
  const set: Record<string, unknown> = {};
  const unset: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) unset.push(key);
    else set[key] = value;
  }
  return { set: set as Partial<T>, unset };
}

function patchInPlace(target: object, set: object, unset: readonly string[]): void {
  Object.assign(target, structuredClone(set));
  for (const key of unset) delete (target as Record<string, unknown>)[key];
}

export function applyRunChange(file: RunFile, change: RunChange): void {
  switch (change.kind) {
    case "run":
      patchInPlace(file.run, change.set, change.unset);
      return;
    case "task-instances":
      for (const patch of change.patches) {
        const ti = file.taskInstances[patch.taskId];
        if (ti) patchInPlace(ti, patch.set, patch.unset);
      }
      return;
    case "add-task-instances":
      for (const ti of change.taskInstances) file.taskInstances[ti.taskId] = structuredClone(ti);
      return;
    case "xcoms": {
      file.xcoms = withXComs(
        file.xcoms,
        file.run,
        change.taskId,
        change.values.map((value) => ({ key: value.key, value: structuredClone(value.value) })),
      );
      return;
    }
    case "clear-xcoms":
      file.xcoms = file.xcoms.filter((xcom) => xcom.taskId !== change.taskId);
      return;
  }
}

export function applyMetaChange(file: MetaFile, change: MetaChange): void {
  switch (change.kind) {
    case "dags":
      for (const dag of change.dags) file.dags[dag.dagId] = structuredClone(dag);
      for (const status of change.statuses) file.statuses[status.dagId] = { ...status };
      return;
    case "statuses":
      for (const status of change.statuses) file.statuses[status.dagId] = { ...status };
      return;
    case "import-errors":
      file.importErrors = structuredClone(change.importErrors);
      return;
    case "heartbeat":
      file.heartbeat = { ...change.heartbeat };
      return;
    case "delete-dag":
      delete file.dags[change.dagId];
      delete file.statuses[change.dagId];
      return;
  }
}

export function isRunChange(value: unknown): value is RunChange {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return (
    kind === "run" ||
    kind === "task-instances" ||
    kind === "add-task-instances" ||
    kind === "xcoms" ||
    kind === "clear-xcoms"
  );
}

export function isMetaChange(value: unknown): value is MetaChange {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return (
    kind === "dags" || kind === "statuses" || kind === "import-errors" || kind === "heartbeat" || kind === "delete-dag"
  );
}
