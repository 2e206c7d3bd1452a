import { existsSync, readdirSync } from "node:fs";
import { stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ensureTypeScriptLoader } from "../loader/typescript.js";
import type { LabCheck } from "./types.js";

/** A lab of the course: its id (`lab1`), its folder in the course, its checks. */
export interface CourseLab {
  lab: string;
  folder: string;
  checks: LabCheck[];
}

/**
 * The course's `labs/` folder: `$KITELAB_LABS`, else `$KITELAB_REPO/labs` (the Kitelab kernel
 * sets it), else the `labs/` beside this copy of the library.
 */
export function courseLabsRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KITELAB_LABS) return resolve(env.KITELAB_LABS);
  if (env.KITELAB_REPO) return join(resolve(env.KITELAB_REPO), "labs");
  return fileURLToPath(new URL("../../../labs", import.meta.url));
}

/** The folder of lab `lab` (`lab1` is `lab1-first-dags` or `lab1`) in `labsRoot`, or an error listing the labs. */
export function findLabFolder(
  labsRoot: string,
  lab: string,
): { ok: true; folder: string } | { ok: false; error: string } {
  if (!/^lab\d+$/.test(lab)) return { ok: false, error: `expected a lab id such as lab1, got "${lab}"` };
  const folders = existsSync(labsRoot) ? readdirSync(labsRoot).filter((name) => /^lab\d+(-|$)/.test(name)) : [];
  const folder = folders.find((name) => name === lab || name.startsWith(`${lab}-`));
  if (folder && existsSync(join(labsRoot, folder, "checks.ts"))) return { ok: true, folder: join(labsRoot, folder) };
  const withChecks = folders.filter((name) => existsSync(join(labsRoot, name, "checks.ts")));
  return {
    ok: false,
    error: `no checks for ${lab} in ${labsRoot}${folder ? ` (${folder} has no checks.ts)` : ""}; labs with checks: ${withChecks.map((name) => name.split("-")[0]).join(", ") || "none"}`,
  };
}

/**
 * The lab folder to check when none is named: the one the student works in, found from the
 * current folder upwards (`./labs/<folder>` or `../labs/<folder>`, as from `notebooks/`),
 * else the course's own.
 */
export function defaultLabDir(courseFolder: string, cwd = process.cwd()): string {
  const name = courseFolder.split(/[\\/]/).pop()!;
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, "labs", name);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return courseFolder;
  }
}

/** Imports `<folder>/checks.ts` and checks its shape: `export const lab = "labN"` and `export const checks: LabCheck[]`. */
export async function loadLabChecks(
  folder: string,
  lab: string,
): Promise<{ ok: true; value: CourseLab } | { ok: false; error: string }> {
  const file = join(folder, "checks.ts");
  await ensureTypeScriptLoader();
  let module: Record<string, unknown>;
  try {
    module = (await import(`${pathToFileURL(file).href}?v=${(await stat(file)).mtimeMs}`)) as Record<string, unknown>;
  } catch (error) {
    return { ok: false, error: `cannot import ${file}: ${(error as Error).message}` };
  }
  if (module.lab !== lab) {
    return { ok: false, error: `${file} exports lab = ${JSON.stringify(module.lab)}; expected "${lab}"` };
  }
  const checks = module.checks;
  if (!Array.isArray(checks) || !checks.every(isLabCheck)) {
    return {
      ok: false,
      error: `${file} must export \`checks\` as a list of { id, title, hint, run(ctx) }`,
    };
  }
  const ids = checks.map((check) => check.id);
  const repeated = ids.find((id, index) => ids.indexOf(id) !== index);
  if (repeated) return { ok: false, error: `${file}: the check id "${repeated}" is used twice` };
  return { ok: true, value: { lab, folder, checks } };
}

function isLabCheck(value: unknown): value is LabCheck {
  const check = value as Partial<LabCheck> | null;
  return (
    typeof check === "object" &&
    check !== null &&
    typeof check.id === "string" &&
    typeof check.title === "string" &&
    typeof check.hint === "string" &&
    typeof check.run === "function"
  );
}
