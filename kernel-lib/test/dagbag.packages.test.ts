import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../bin/kitelab.mjs", import.meta.url));

/**
 * A DAG file outside the course (no node_modules anywhere above it) uses the packages
 * installed with Kitelab, as Airflow's DAG files use the scheduler's Python environment.
 */
describe("packages a DAG file imports", () => {
  const folder = mkdtempSync(join(tmpdir(), "kitelab-outside-"));
  const home = mkdtempSync(join(tmpdir(), "kitelab-outside-home-"));
  after(() => {
    rmSync(folder, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });
  const dagsTest = (file: string) =>
    spawnSync(process.execPath, [BIN, "dags", "test", file], {
      env: { ...process.env, KITELAB_HOME: home },
      encoding: "utf8",
      timeout: 120_000,
    });

  it("resolve from the library's node_modules when the file's own folder has none", () => {
    const file = join(folder, "mail_reader.ts");
    writeFileSync(
      file,
      `import PostalMime from "postal-mime";
import { DAG } from "kitelab";
export const dag = new DAG({ dagId: "mail_reader", schedule: null });
dag.task("parse", async () => (await PostalMime.parse("Subject: hello\\r\\n\\r\\nbody")).subject);
`,
    );
    const result = dagsTest(file);
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  });

  it("a package installed nowhere is still an import error naming it", () => {
    const file = join(folder, "typo.ts");
    writeFileSync(
      file,
      `import { frame } from "no-such-package-kitelab";
import { DAG } from "kitelab";
export const dag = new DAG({ dagId: "typo", schedule: null });
dag.task("t", async () => frame);
`,
    );
    const result = dagsTest(file);
    assert.notEqual(result.status, 0);
    assert.match(`${result.stdout}${result.stderr}`, /no-such-package-kitelab/);
  });
});
