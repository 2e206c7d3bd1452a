import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DagProcessor, parseFiles } from "../src/dagbag/dagProcessor.js";
import type { DagBagView } from "../src/dagbag/dagBag.js";
import { tempHome } from "./helpers/tempHome.js";

const GOOD = (id: string) =>
  `import { DAG } from "kitelab";\nexport const dag = new DAG({ dagId: "${id}" });\ndag.task("only", async () => 1);\n`;

describe("parsing DAG files in an isolated child", () => {
  const home = tempHome();
  after(() => home.cleanup());

  it("reports a file that throws, with its line, and still parses the others", async () => {
    const good = home.writeDag("good.ts", GOOD("good"));
    const bad = home.writeDag(
      "bad.ts",
      `import { DAG } from "kitelab";\n\nexport const dag = new DAG({ dagId: "bad" });\nthrow new Error("the CSV path is wrong");\n`,
    );
    const results = await parseFiles([bad, good], 10_000);
    const badResult = results.get(bad)!;
    assert.equal(badResult.ok, false);
    if (!badResult.ok) {
      assert.match(badResult.error.message, /the CSV path is wrong/);
      assert.equal(badResult.error.line, 4);
    }
    assert.equal(results.get(good)!.ok, true);
  });

  it("reports a syntax error as file:line:column and esbuild's message, on its first line", async () => {
    const broken = home.writeDag(
      "syntax.ts",
      `import { DAG } from "kitelab";\nexport const dag = new DAG({ dagId: "syntax" );\n`,
    );
    const result = (await parseFiles([broken], 10_000)).get(broken)!;
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.equal(result.error.line, 2, result.error.message);
      assert.equal(result.error.name, "SyntaxError");
      assert.equal(result.error.message.split("\n")[0], 'syntax.ts:2:46: Expected "}" but found ")"');
      assert.equal(
        result.error.stack?.split("\n")[0],
        'SyntaxError: syntax.ts:2:46: Expected "}" but found ")"',
        "the side panel shows the stack's first line",
      );
    }
  });

  it("stops a file that hangs at import after dagbag_import_timeout, and one that exits", async () => {
    const hang = home.writeDag("hang.ts", `const end = Date.now() + 60_000; while (Date.now() < end) {}\n`);
    const exits = home.writeDag("exits.ts", `process.exit(7);\n`);
    const good = home.writeDag("after.ts", GOOD("after_the_bad_ones"));
    const results = await parseFiles([hang, exits, good], 1500);
    const hangResult = results.get(hang)!;
    const exitResult = results.get(exits)!;
    assert.ok(
      !hangResult.ok &&
        hangResult.error.name === "ImportTimeout" &&
        /dagbag_import_timeout/.test(hangResult.error.message),
    );
    assert.ok(
      !exitResult.ok && exitResult.error.name === "ImportCrashed" && /exit code 7/.test(exitResult.error.message),
    );
    assert.equal(results.get(good)!.ok, true);
  });
});

describe("the memory a DAG file may use at import ([core] dag_parsing_memory_limit_mb)", () => {
  const home = tempHome();
  after(() => home.cleanup());

  it("turns a file that holds more (in Buffers or on the heap) into an import error naming the cap; a small file parses under the same cap", async () => {
    const buffers = home.writeDag(
      "buffers.ts",
      `import { DAG } from "kitelab";\nexport const blob = Buffer.alloc(200 * 2 ** 20, 1);\nexport const dag = new DAG({ dagId: "buffers" });\n`,
    );
    const heap = home.writeDag(
      "heap.ts",
      `const rows: number[][] = [];\nwhile (rows.length < 1e6) rows.push(new Array(100_000).fill(rows.length));\nexport {};\n`,
    );
    const small = home.writeDag("small.ts", GOOD("small"));
    const results = await parseFiles([buffers, heap, small], 60_000, { memoryLimitMb: 64 });
    for (const file of [buffers, heap]) {
      const result = results.get(file)!;
      assert.equal(result.ok, false, file);
      if (!result.ok) {
        assert.equal(result.error.name, "ImportOutOfMemory", result.error.message);
        assert.match(
          result.error.message,
          /used more than 64 MB of memory .* raise \[core\] dag_parsing_memory_limit_mb/,
        );
      }
    }
    assert.equal(results.get(small)!.ok, true);
  });
});

describe("watching the dags folder", () => {
  const home = tempHome();
  let processor: DagProcessor | undefined;
  after(async () => {
    await processor?.stop();
    home.cleanup();
  });

  it("lists a new file, drops a deleted one, and refuses a DAG id defined in two files", async () => {
    const views: DagBagView[] = [];
    home.writeDag("first.ts", GOOD("first"));
    processor = new DagProcessor({
      folders: [home.dags],
      listIntervalMs: 300_000,
      importTimeoutMs: 10_000,
      onChange: (view) => views.push(view),
    });
    await processor.start();
    assert.deepEqual([...views.at(-1)!.dags.keys()], ["first"]);

    const waitForView = async (predicate: (view: DagBagView) => boolean) => {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        if (views.length > 0 && predicate(views.at(-1)!)) return views.at(-1)!;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.fail("the folder change was not noticed without a rescan interval");
    };

    writeFileSync(join(home.dags, "second.ts"), GOOD("second"));
    await waitForView((view) => view.dags.has("second"));

    writeFileSync(join(home.dags, "copy.ts"), GOOD("first"));
    const duplicated = await waitForView((view) => view.importErrors.size === 2);
    assert.equal(duplicated.dags.has("first"), false, "no silent winner");
    for (const problem of duplicated.importErrors.values())
      assert.match(problem.message, /DAG id 'first' is also defined in .*(first|copy)\.ts/);

    rmSync(join(home.dags, "copy.ts"));
    rmSync(join(home.dags, "second.ts"));
    const after = await waitForView((view) => !view.dags.has("second") && view.dags.has("first"));
    assert.equal(after.importErrors.size, 0);
  });
});
