import assert from "node:assert/strict";
import type { Exchange, Verdict } from "./airflowContract.js";
import { waitFor } from "./waitFor.js";

/** What a contract test reads of one answer. */
export interface Answer {
  status: number;
  body: any;
  verdict: Verdict;
  text: string;
}

export type Validator = (exchange: Exchange) => Verdict;

/**
 * Calls the API as Airflow's clients do and checks the answer against a spec: the status
 * the case expects, no error in the verdict; every operation reached is recorded, so a test
 * can prove it covered all it claims to serve.
 */
export class ContractCalls {
  readonly reached = new Set<string>();

  /** `specName` says whose spec an error message quotes ("Airflow's", "Airflow 3's"). */
  constructor(private readonly specName: string) {}

  /** Sends one request; `specPath` is the path the spec names the operation by. */
  async exchange(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: string | undefined,
    validate: Validator,
    specPath: string,
  ): Promise<Answer> {
    const response = await fetch(url, { method, headers, body });
    const contentType = response.headers.get("content-type") ?? "";
    const text = await response.text();
    const parsed = /json/.test(contentType) && !/ndjson/.test(contentType) && text !== "" ? JSON.parse(text) : text;
    const verdict = validate({ method, path: specPath, status: response.status, contentType, body: parsed });
    return { status: response.status, body: parsed, verdict, text };
  }

  /** Asserts `expect` and a clean verdict for `answer`, and records its operation as reached. */
  expectValid(method: string, path: string, expect: number, answer: Answer): Answer {
    assert.equal(
      answer.status,
      expect,
      `${method} ${path}: expected ${expect}, got ${answer.status}: ${answer.text.slice(0, 300)}`,
    );
    assert.deepEqual(
      answer.verdict.errors,
      [],
      `${method} ${path} (${answer.verdict.operationId}) does not match ${this.specName} spec:\n${answer.verdict.errors.join("\n")}\n${answer.text.slice(0, 600)}`,
    );
    if (answer.verdict.operationId) this.reached.add(answer.verdict.operationId);
    return answer;
  }

  /** The operations of `served` no call reached. */
  missing(served: readonly string[]): string[] {
    return served.filter((operation) => !this.reached.has(operation));
  }
}

/** Waits, reading the run through `get`, until it has succeeded or failed; answers its last state. */
export function runEnded(get: (path: string) => Promise<Answer>, dagId: string, runId: string): Promise<any> {
  return waitFor(
    `run ${runId} of ${dagId} to end`,
    async () => {
      const { body } = await get(`/dags/${dagId}/dagRuns/${encodeURIComponent(runId)}`);
      return body.state === "success" || body.state === "failed" ? body : undefined;
    },
    60_000,
  );
}
