import type { CheckContext, CheckOutcome, CheckResult, LabCheck, LabReport } from "./types.js";

/** How long one check may take before it counts as not met. @default 60 s */
const CHECK_TIMEOUT_MS = 60_000;

/**
 * Runs a lab's checks one after another. A check that throws or hangs is not met, with the
 * error as its detail: a broken student file must never stop the other checks.
 */
export async function runLabChecks(
  lab: string,
  checks: readonly LabCheck[],
  ctx: CheckContext,
  options: { timeoutMs?: number } = {},
): Promise<LabReport> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    const outcome = await runOne(check, ctx, options.timeoutMs ?? CHECK_TIMEOUT_MS);
    results.push({
      id: check.id,
      title: check.title,
      passed: outcome.passed,
      hint: check.hint,
      ...(!outcome.passed && outcome.detail ? { detail: outcome.detail } : {}),
    });
  }
  return {
    lab,
    labDir: ctx.labDir,
    checks: results,
    passed: results.filter((result) => result.passed).length,
    total: results.length,
  };
}

async function runOne(check: LabCheck, ctx: CheckContext, timeoutMs: number): Promise<CheckOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckOutcome>((done) => {
    timer = setTimeout(
      () => done({ passed: false, detail: `the check gave no answer within ${timeoutMs / 1000} s` }),
      timeoutMs,
    );
  });
  try {
    const outcome = await Promise.race([Promise.resolve().then(() => check.run(ctx)), timeout]);
    return outcome?.passed === true ? { passed: true } : { passed: false, detail: outcome?.detail };
  } catch (error) {
    return { passed: false, detail: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
