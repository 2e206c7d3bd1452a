#!/usr/bin/env node
// Runs kernel-lib's node:test suites through tsx. Node 20's `--test` takes no glob patterns,
// so the files are listed here: every kernel-lib/test/**/*.test.ts and labs/**/test/*.test.ts
// (the labs' shared code), or the paths given (files or folders, relative to kernel-lib/). Other arguments (--test-name-pattern=...) pass through.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { inRepo } from "./lib/paths.mjs";

const libDir = inRepo("kernel-lib");
const flags = process.argv.slice(2).filter((arg) => arg.startsWith("--"));
const targets = process.argv.slice(2).filter((arg) => !arg.startsWith("--"));

function testFilesUnder(relative) {
  const absolute = path.resolve(libDir, relative);
  if (!fs.existsSync(absolute)) {
    console.error(`run-tests: ${relative} does not exist (paths are relative to kernel-lib/)`);
    process.exit(2);
  }
  if (!fs.statSync(absolute).isDirectory()) return [relative];
  return fs
    .readdirSync(absolute, { recursive: true })
    .filter((name) => name.endsWith(".test.ts"))
    .map((name) => path.join(relative, name));
}

const files = [
  ...new Set((targets.length > 0 ? targets : ["test", "../labs/shared/test"]).flatMap(testFilesUnder)),
].sort();
if (files.length === 0) {
  console.error("run-tests: no *.test.ts files found");
  process.exit(2);
}
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", ...flags, ...files], {
  cwd: libDir,
  stdio: "inherit",
});
process.exitCode = result.status ?? 1;
