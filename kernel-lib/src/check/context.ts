import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import type { KitelabConfig } from "../config/index.js";
import type { SerializedDag } from "../dag/serialize.js";
import { parseFiles } from "../dagbag/dagProcessor.js";
import { type FileStore, openStoreReader } from "../persistence/index.js";
import { callApi } from "../client/apiClient.js";
import { runningScheduler } from "../scheduler/endpoint.js";
import { ensureApiToken } from "../scheduler/apiToken.js";
import type { CheckContext, DagFileParse } from "./types.js";

/** Builds what a lab's checks read: the lab folder, the home's config and store, DAG parses (cached per file). */
export function createCheckContext(options: { labDir: string; config: KitelabConfig }): CheckContext {
  const { config } = options;
  const labDir = resolve(options.labDir);
  const parses = new Map<string, Promise<DagFileParse>>();
  const labPath = (...parts: string[]) => join(labDir, ...parts);
  const inLab = (path: string) => (isAbsolute(path) ? path : labPath(path));
  // Re-read at each call: a check made after a run must see that run.
  let reader: FileStore | undefined;
  const store = () => {
    if (reader) reader.refresh();
    else reader = openStoreReader(config);
    return reader;
  };

  const parseDagFile = (path: string): Promise<DagFileParse> => {
    const file = inLab(path);
    let parse = parses.get(file);
    if (!parse) {
      parse = parseOne(file, config.core.dagbagImportTimeout * 1000);
      parses.set(file, parse);
    }
    return parse;
  };

  return {
    labDir,
    home: config.home,
    config,
    labPath,
    workPath: (name, ...parts) => join(config.home, "labs", name, ...parts),
    exists: (path) => existsSync(inLab(path)),
    parseDagFile,
    async loadDag(path, dagId) {
      const parse = await parseDagFile(path);
      if (!parse.ok) {
        const where = parse.error.line !== undefined ? ` (line ${parse.error.line})` : "";
        return { ok: false, outcome: { passed: false, detail: `${parse.file}${where}: ${parse.error.message}` } };
      }
      const dag = parse.dags.find((candidate) => candidate.dagId === dagId);
      if (dag) return { ok: true, dag };
      const found = parse.dags.map((candidate) => `'${candidate.dagId}'`).join(", ") || "none";
      return {
        ok: false,
        outcome: { passed: false, detail: `${parse.file} defines no DAG '${dagId}' (DAGs found: ${found})` },
      };
    },
    taskIds: (dag) => dag.tasks.map((task) => task.taskId),
    dependencies: (dag) => dependenciesOf(dag),
    hasDependency: (dag, upstream, downstream) =>
      dag.tasks.some((task) => task.taskId === downstream && task.upstreamIds.includes(upstream)),
    store: {
      dag: (dagId) => store().getDag(dagId),
      runs: (dagId) =>
        store()
          .allRuns(dagId)
          .sort((a, b) => b.logicalDate.localeCompare(a.logicalDate)),
      taskInstances: (dagId, runId) => store().taskInstances(dagId, runId),
      xcoms: (dagId, runId) => store().xcoms(dagId, runId),
      importErrors: () => store().importErrorList(),
    },
    async api<T>(method: string, path: string) {
      const scheduler = runningScheduler(config.home);
      if (!scheduler) return undefined;
      return callApi<T>(scheduler, ensureApiToken(config), method, path);
    },
  };
}

export function dependenciesOf(dag: SerializedDag): Array<[string, string]> {
  return dag.tasks.flatMap((task) => task.upstreamIds.map((upstream): [string, string] => [upstream, task.taskId]));
}

async function parseOne(file: string, timeoutMs: number): Promise<DagFileParse> {
  if (!existsSync(file)) {
    return { ok: false, file, error: { name: "FileNotFound", message: "no such file" } };
  }
  const result = (await parseFiles([file], timeoutMs)).get(file);
  if (!result) return { ok: false, file, error: { name: "ParseFailed", message: "the parser gave no answer" } };
  return result.ok
    ? { ok: true, file, dags: result.dags, warnings: result.warnings }
    : { ok: false, file, error: result.error };
}
