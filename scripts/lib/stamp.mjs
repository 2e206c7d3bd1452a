// Content hashes that let setup skip a step whose inputs have not changed since it last succeeded.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * sha256 over the given files and every file below the given folders; a missing entry counts as absent.
 * `options.ignore(path)` leaves out files (and whole folders) it answers true for, e.g. build output.
 */
export function hashInputs(entries, options = {}) {
  const ignore = options.ignore ?? (() => false);
  const hash = createHash("sha256");
  for (const entry of entries) {
    const files = listFiles(entry)?.filter((file) => !ignore(file)) ?? null;
    if (files === null) {
      hash.update(`${entry}\0absent\0`);
      continue;
    }
    for (const file of files) {
      hash.update(`${file}\0`);
      hash.update(fs.readFileSync(file));
      hash.update("\0");
    }
  }
  return hash.digest("hex");
}

function listFiles(entry) {
  let stat;
  try {
    stat = fs.statSync(entry);
  } catch {
    return null;
  }
  if (!stat.isDirectory()) return [entry];
  return fs
    .readdirSync(entry, { recursive: true, withFileTypes: true })
    .filter((dirent) => dirent.isFile())
    .map((dirent) => path.join(dirent.parentPath ?? dirent.path, dirent.name))
    .sort();
}

export function readStamp(file) {
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    return null;
  }
}

export function writeStamp(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${value}\n`);
}
