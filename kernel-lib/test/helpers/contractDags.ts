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
