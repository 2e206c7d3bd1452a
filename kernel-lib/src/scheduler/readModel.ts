import type { DagRunRecord } from "../records.js";
import { createTimetable } from "../timetable/index.js";
import type { DagSummary, Page, ReadModel, RunQuery } from "../web/ports.js";
import type { SchedulerSettings } from "./settings.js";
import type { SchedulerStore } from "./schedulerStore.js";

const ORDER_FIELDS: Record<string, keyof DagRunRecord> = {
  execution_date: "logicalDate",
  logical_date: "logicalDate",
  start_date: "startDate",
  end_date: "endDate",
  run_after: "runAfter",
  dag_run_id: "runId",
};

/** The web server's read model over the scheduler's store. */
export class StoreReadModel implements ReadModel {
  constructor(
    private readonly store: SchedulerStore,
    private readonly settings: Pick<SchedulerSettings, "catchupByDefault" | "semantics">,
    private readonly now: () => Date = () => new Date(),
  ) {}

  dags(): DagSummary[] {
    return this.store
      .dagStatuses()
      .map((status) => this.summary(status.dagId))
      .filter((summary): summary is DagSummary => summary !== undefined)
      .sort((a, b) => a.dag.dagId.localeCompare(b.dag.dagId));
  }

  dag(dagId: string): DagSummary | undefined {
    return this.summary(dagId);
  }

  private summary(dagId: string): DagSummary | undefined {
    const dag = this.store.getDag(dagId);
    const status = this.store.dagStatuses().find((candidate) => candidate.dagId === dagId);
    if (!dag || !status) return undefined;
    const summary: DagSummary = { dag, isPaused: status.isPaused, isActive: status.isActive };
    if (dag.schedule !== null && dag.startDate) {
      const timetable = createTimetable({
        schedule: dag.schedule,
        startDate: new Date(dag.startDate),
        endDate: dag.endDate ? new Date(dag.endDate) : undefined,
        catchup: dag.catchup ?? this.settings.catchupByDefault,
        timezone: dag.timezone,
        semantics: dag.scheduleSemantics ?? this.settings.semantics,
      });
      if (timetable.ok) {
        const last = status.lastAutomatedInterval;
        const next = timetable.value.nextRun(
          last ? { start: new Date(last.start), end: new Date(last.end) } : null,
          this.now(),
        );
        if (next) {
          summary.nextRunAfter = next.runAfter.toISOString();
          summary.nextLogicalDate = next.logicalDate.toISOString();
        }
      }
    }
    return summary;
  }

  runs(query: RunQuery): Page<DagRunRecord> {
    const order = query.orderBy ?? "-execution_date";
    const descending = order.startsWith("-");
    const field = ORDER_FIELDS[order.replace(/^-/, "")] ?? "logicalDate";
    const states = query.states && query.states.length > 0 ? new Set(query.states) : undefined;
    const matching = this.store.allRuns(query.dagId).filter((run) => !states || states.has(run.state));
    matching.sort((a, b) => {
      const left = String(a[field] ?? "");
      const right = String(b[field] ?? "");
      const compared = left.localeCompare(right) || a.runId.localeCompare(b.runId);
      return descending ? -compared : compared;
    });
    return { items: matching.slice(query.offset, query.offset + query.limit), total: matching.length };
  }

  run(dagId: string, runId: string): DagRunRecord | undefined {
    return this.store.getRun(dagId, runId);
  }

  latestFinishedRun(dagId?: string): DagRunRecord | undefined {
    let latest: DagRunRecord | undefined;
    for (const run of this.store.allRuns(dagId)) {
      if (run.state !== "success" && run.state !== "failed") continue;
      if (!latest || (run.endDate ?? "") > (latest.endDate ?? "")) latest = run;
    }
    return latest;
  }

  taskInstances(dagId: string, runId: string) {
    return this.store.taskInstances(dagId, runId);
  }

  xcoms(dagId: string, runId: string) {
    return this.store.xcoms(dagId, runId);
  }

  importErrors() {
    return this.store.importErrorList();
  }

  latestHeartbeat() {
    return this.store.latestHeartbeat();
  }

  damagedFiles() {
    return this.store.damagedFiles?.() ?? [];
  }
}
