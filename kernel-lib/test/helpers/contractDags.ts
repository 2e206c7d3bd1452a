import { startStandaloneProcess, type StandaloneProcess } from "./standaloneProcess.js";
import { waitFor } from "./waitFor.js";

/**
 * The DAG files the API tests run on a real standalone: a scheduled DAG (never due) that
 * pushes an XCom and runs a bash task, one that fails, one that runs until stopped, and a
 * file that does not import.
 */
export const CONTRACT_DAGS: Record<string, string> = {
  "etl.ts": `import { DAG, BashOperator } from "kitelab";
export const dag = new DAG({ dagId: "contract_etl", description: "Extract then report", tags: ["contract"], schedule: "@daily", startDate: "2030-01-01T00:00:00Z" });
const extract = dag.task("extract", async () => ({ rows: 3 }));
extract.then(new BashOperator({ dag, taskId: "report", bashCommand: "echo report" }));
`,
  "fail.ts": `import { DAG, TaskError } from "kitelab";
export const dag = new DAG({ dagId: "contract_fail" });
dag.task("boom", async () => { throw new TaskError("the source is down"); });
`,
  "slow.ts": `import { DAG } from "kitelab";
export const dag = new DAG({ dagId: "contract_slow" });
dag.task("wait", async () => { await new Promise((resolve) => setTimeout(resolve, 120_000)); });
`,
  "broken.ts": `import { DAG } from "kitelab";\nexport const dag = new DAG({ dagId: "contract_broken" ;\n`,
};

/** A real `kitelab standalone` on `home`, serving {@link CONTRACT_DAGS}. */
export function startContractStandalone(home: {
  home: string;
  writeDag(name: string, source: string): void;
}): Promise<StandaloneProcess> {
  for (const [name, source] of Object.entries(CONTRACT_DAGS)) home.writeDag(name, source);
  return startStandaloneProcess(home.home);
}

/** Waits until the API lists the three contract DAGs that import; `dagCount` asks it (each version its way). */
export function contractDagsParsed(dagCount: () => Promise<number>): Promise<true> {
  return waitFor("the DAGs to be parsed", async () => ((await dagCount()) === 3 ? true : undefined), 120_000);
}
