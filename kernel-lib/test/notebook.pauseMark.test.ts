import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { DagInfo } from "../src/notebook/apiRecords.js";
import { dagsView } from "../src/notebook/views.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
/** U+23F8 (pause), absent from DejaVu and Liberation, Debian's and many laptops' default fonts: an empty box there. */
const PAUSE_GLYPH = "\u23F8";

const pausedDag: DagInfo = {
  dagId: "tour_hello",
  description: null,
  schedule: "@daily",
  isPaused: true,
  isActive: true,
  fileloc: "/home/ada/kitelab/dags/tour_hello.ts",
  tags: [],
  owners: [],
  hasImportErrors: false,
  nextRun: null,
};

function filesUnder(dir: string, keep: (file: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules" || name === "dist" || name === "lib") return [];
    return statSync(path).isDirectory() ? filesUnder(path, keep) : keep(path) ? [path] : [];
  });
}

describe("the paused mark in notebook outputs", () => {
  it("is drawn as two bars, with the word beside it, in the DAG list", () => {
    const view = dagsView([pausedDag]);
    assert.match(view.html, /<svg class="kitelab-pause-mark"[^>]*aria-label="paused"[\s\S]*<\/svg> paused/);
    assert.ok(!view.html.includes(PAUSE_GLYPH));
    assert.match(view.text, /paused/);
  });

  it("never uses the pause glyph common fonts lack, in the library, the extension, the pages or the notebooks", () => {
    const sources = [
      ...filesUnder(join(repo, "kernel-lib", "src"), (file) => /\.(ts|hbs|css|html)$/.test(file)),
      ...filesUnder(join(repo, "extension", "src"), (file) => file.endsWith(".ts")),
      ...filesUnder(join(repo, "notebooks"), (file) => file.endsWith(".ipynb")),
    ];
    assert.ok(sources.length > 50, `found only ${sources.length} files to check`);
    const using = sources.filter((file) => readFileSync(file, "utf8").includes(PAUSE_GLYPH));
    assert.deepEqual(
      using.map((file) => relative(repo, file)),
      [],
    );
  });
});
