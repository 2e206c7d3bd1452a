// The kitelab-jupyterlab extension's unit tests (extension/test/unit), run inside kernel-lib's suite
// so `npm test` covers them. The paths are computed, so the root typecheck leaves the extension's
// DOM-typed sources to the extension's own tsconfig (`npm run typecheck` in extension/).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const unitDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "extension", "test", "unit");
const files = fs
  .readdirSync(unitDir)
  .filter((name) => name.endsWith(".test.ts"))
  .sort();
if (files.length === 0) throw new Error(`No *.test.ts in ${unitDir}: the extension's unit tests are missing.`);
for (const file of files) {
  await import(pathToFileURL(path.join(unitDir, file)).href);
}
