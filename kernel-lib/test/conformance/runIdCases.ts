/**
 * Run-id conformance cases: scheduled, manual and backfill runs at seeded instants, whole
 * seconds and with fractions of a second (which Airflow prints to the microsecond), and
 * Kitelab's ids for them (`runIdFor`, what the scheduler, backfills and triggers use).
 */
import { runIdFor } from "../../src/runtime/runIds.js";
import type { DagRunType } from "../../src/states.js";

export interface RunIdCase {
  id: string;
  runType: DagRunType;
  /** ISO 8601 in UTC, with milliseconds. */
  logicalDate: string;
}

const RUN_TYPES: DagRunType[] = ["scheduled", "manual", "backfill"];

/** A small seeded generator (mulberry32), so the cases are the same on every machine. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function runIdCases(seed: number, count: number): RunIdCase[] {
  const next = random(seed);
  const from = Date.UTC(1999, 0, 1);
  const to = Date.UTC(2040, 0, 1);
  return Array.from({ length: count }, (_, index) => {
    let at = from + Math.floor(next() * (to - from));
    // Half the cases fall on whole seconds, as scheduled runs do.
    if (index % 2 === 0) at -= at % 1000;
    return {
      id: `run_id_${index}`,
      runType: RUN_TYPES[index % RUN_TYPES.length]!,
      logicalDate: new Date(at).toISOString(),
    };
  });
}

export function kitelabRunId(c: RunIdCase): string {
  return runIdFor(c.runType, new Date(c.logicalDate));
}
