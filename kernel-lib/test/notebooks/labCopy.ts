/**
 * A lab notebook's second life in the tests: the same notebook, run on a copy of the course's
 * `labs/` where one lab's `solutions/` has been copied over its exercise stubs, as a student
 * who finished every exercise would have it.
 */
import { existsSync, readdirSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

/** The lab folder of notebook `NN-name.ipynb` (lab N) when it has a `solutions/` folder. */
export function labWithSolutions(labsDir: string, notebookName: string): string | undefined {
  const number = /^(\d+)-/.exec(notebookName)?.[1];
  if (number === undefined) return undefined;
  const folder = readdirSync(labsDir).find((name) => name.startsWith(`lab${Number(number)}-`));
  return folder && existsSync(path.join(labsDir, folder, "solutions")) ? path.join(labsDir, folder) : undefined;
}

/**
 * `<tmp>/labs` (every lab, `lab`'s solutions copied over it unless `applySolutions` is false),
 * `<tmp>/notebooks` (empty: the kernel's folder, so the notebook's `../labs/...` is the copy),
 * `<tmp>/node_modules` (the repository's, so DAG files and the kernel find their packages), and
 * `<tmp>/.venv` (the repository's, for the notebooks that start `../.venv/bin/moto_server`).
 * `lab` is the copied lab's folder.
 */
export async function copyLabsWithSolutions(
  repoRoot: string,
  lab: string,
  options: { applySolutions?: boolean } = {},
): Promise<{ root: string; notebooksDir: string; lab: string; remove: () => Promise<void> }> {
  const root = await mkdtemp(path.join(tmpdir(), "kitelab-solved-labs-"));
  await cp(path.join(repoRoot, "labs"), path.join(root, "labs"), {
    recursive: true,
    filter: (source) => path.basename(source) !== "node_modules",
  });
  const copiedLab = path.join(root, "labs", path.basename(lab));
  if (options.applySolutions !== false)
    await cp(path.join(lab, "solutions"), copiedLab, { recursive: true, force: true });
  await symlink(path.join(repoRoot, "node_modules"), path.join(root, "node_modules"), "dir");
  await symlink(path.join(repoRoot, ".venv"), path.join(root, ".venv"), "dir");
  const notebooksDir = path.join(root, "notebooks");
  await mkdir(notebooksDir);
  return { root, notebooksDir, lab: copiedLab, remove: () => rm(root, { recursive: true, force: true }) };
}
