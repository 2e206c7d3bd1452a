import { StoreError } from "../errors.js";
import type { SerializedDag } from "../dag/serialize.js";
import type { ImportProblem } from "../dagbag/importFile.js";
import type {
  ConnectionRecord,
  DagRunRecord,
  PoolRecord,
  SchedulerHeartbeat,
  TaskInstanceRecord,
  XComRecord,
} from "../records.js";
import type { DagStatus } from "../scheduler/schedulerStore.js";
import { DAMAGED_ADVICE } from "./atomicJsonFile.js";

/** The store's on-disk layout version. Bump it and add a migration when a file's shape changes. */
export const SCHEMA_VERSION = 3;

export interface MetaFile {
  schemaVersion: number;
  /** On disk: the last journal line this snapshot holds (version 3: a journal beside each snapshot). */
  journalSeq?: number;
  dags: Record<string, SerializedDag>;
  statuses: Record<string, DagStatus>;
  importErrors: Record<string, ImportProblem & { timestamp: string }>;
  heartbeat?: SchedulerHeartbeat;
}

export interface SharedFile {
  schemaVersion: number;
  variables: Record<string, { value: string; description?: string }>;
  /** Passwords sealed by SecretBox. */
  connections: Record<string, ConnectionRecord>;
  pools: Record<string, PoolRecord>;
}

export interface RunFile {
  schemaVersion: number;
  /** On disk: the last journal line this snapshot holds. */
  journalSeq?: number;
  run: DagRunRecord;
  taskInstances: Record<string, TaskInstanceRecord>;
  xcoms: XComRecord[];
}

/** Version 1 kept paused flags in their own map; version 2 keeps them in each DAG's status. */
interface MetaFileV1 {
  schemaVersion: 1;
  dags?: Record<string, SerializedDag>;
  paused?: Record<string, boolean>;
  active?: Record<string, boolean>;
  importErrors?: Record<string, ImportProblem & { timestamp: string }>;
  heartbeat?: { pid: number; hostname: string; at: string };
}

type Migration = (data: Record<string, unknown>) => Record<string, unknown>;

const META_MIGRATIONS: Record<number, Migration> = {
  1: (data) => {
    const v1 = data as unknown as MetaFileV1;
    const statuses: Record<string, DagStatus> = {};
    for (const dagId of Object.keys(v1.dags ?? {})) {
      statuses[dagId] = { dagId, isPaused: v1.paused?.[dagId] ?? true, isActive: v1.active?.[dagId] ?? true };
    }
    const migrated: MetaFile = {
      schemaVersion: 2,
      dags: v1.dags ?? {},
      statuses,
      importErrors: v1.importErrors ?? {},
      heartbeat: v1.heartbeat,
    };
    return migrated as unknown as Record<string, unknown>;
  },
};

/** Steps that change no shape: version 3 only added the journals beside the snapshots. */
const NO_SHAPE_CHANGE: Migration = (data) => ({
  ...data,
  schemaVersion: (typeof data.schemaVersion === "number" ? data.schemaVersion : 1) + 1,
});

/**
 * Brings a file's data up to SCHEMA_VERSION, one step at a time. A file from a newer
 * Kitelab is refused: guessing its meaning could lose data.
 */
export function migrate<T>(data: Record<string, unknown>, file: string, kind: "meta" | "shared" | "run"): T {
  let version = typeof data.schemaVersion === "number" ? data.schemaVersion : 1;
  if (version > SCHEMA_VERSION) {
    throw new StoreError(
      `${file} was written by a newer Kitelab (schema version ${version}; this one reads up to ${SCHEMA_VERSION}). Upgrade Kitelab, or point [database] store_path elsewhere`,
    );
  }
  let current = data;
  while (version < SCHEMA_VERSION) {
    const step = (kind === "meta" ? META_MIGRATIONS[version] : undefined) ?? NO_SHAPE_CHANGE;
    if (!step) throw new StoreError(`${file}: no migration from schema version ${version}`);
    current = step(current);
    version += 1;
  }
  checkShape(current, file, kind);
  return current as T;
}

/** The parts each kind of file must have once migrated; anything else is damage, named as such. */
const REQUIRED_OBJECTS: Record<"meta" | "shared" | "run", string[]> = {
  meta: ["dags", "statuses", "importErrors"],
  shared: ["variables", "connections", "pools"],
  run: ["run", "taskInstances"],
};

function checkShape(data: Record<string, unknown>, file: string, kind: "meta" | "shared" | "run"): void {
  const isObject = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value);
  const missing = REQUIRED_OBJECTS[kind].filter((key) => !isObject(data[key]));
  if (kind === "run" && !Array.isArray(data.xcoms)) missing.push("xcoms");
  const run = data.run as Partial<DagRunRecord> | undefined;
  if (kind === "run" && missing.length === 0 && (typeof run?.dagId !== "string" || typeof run.runId !== "string"))
    missing.push("run.dagId", "run.runId");
  if (missing.length > 0)
    throw new StoreError(
      `${file} is not a Kitelab ${kind} file (missing or wrong: ${missing.join(", ")}). ${DAMAGED_ADVICE}`,
    );
}
