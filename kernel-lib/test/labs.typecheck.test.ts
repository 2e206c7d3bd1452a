// `npm run typecheck` covers every lab's solutions, so a broken solution fails CI. A solution
// is written to be copied over its lab (solutions/dags/x.ts replaces dags/x.ts), so its
// relative imports (`../lib/...`) only resolve through tsconfig's `rootDirs`, which merges
// every listed folder into one: two labs must not hold the same relative path there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./notebooks/runNotebook.js";

const tsconfig = JSON.parse(readFileSync(path.join(repoRoot, "tsconfig.json"), "utf8")) as {
  compilerOptions: { rootDirs?: string[] };
  include: string[];
};
const labsWithSolutions = readdirSync(path.join(repoRoot, "labs")).filter((name) =>
  existsSync(path.join(repoRoot, "labs", name, "solutions")),
);

test("tsconfig.json includes every lab's solutions/ and maps it onto its lab with rootDirs", () => {
  assert.ok(labsWithSolutions.length > 0);
  assert.ok(tsconfig.include.includes("labs/*/solutions"), 'add "labs/*/solutions" to the include of tsconfig.json');
  const rootDirs = tsconfig.compilerOptions.rootDirs ?? [];
  const missing = labsWithSolutions.flatMap((lab) =>
    [`labs/${lab}`, `labs/${lab}/solutions`].filter((dir) => !rootDirs.includes(dir)),
  );
  assert.deepEqual(missing, [], `add ${missing.join(", ")} to compilerOptions.rootDirs of tsconfig.json`);
});

test("no solution imports a lab path that another lab also holds (rootDirs would resolve it to either file)", () => {
  const clashes: string[] = [];
  for (const lab of labsWithSolutions) {
    const solutions = path.join(repoRoot, "labs", lab, "solutions");
    for (const file of (readdirSync(solutions, { recursive: true }) as string[]).filter((name) =>
      name.endsWith(".ts"),
    )) {
      const source = readFileSync(path.join(solutions, file), "utf8");
      for (const [, specifier] of source.matchAll(/from\s+"(\.{1,2}\/[^"]+)"/g)) {
        const target = path.normalize(path.join(path.dirname(file), specifier!)).replace(/\.js$/, ".ts");
        const others = labsWithSolutions.filter(
          (other) => other !== lab && existsSync(path.join(repoRoot, "labs", other, target)),
        );
        if (others.length > 0)
          clashes.push(`labs/${lab}/solutions/${file} imports ${target}, which ${others.join(" and ")} also hold`);
      }
    }
  }
  assert.deepEqual(clashes, [], `give the imported file a name no other lab uses: ${clashes.join("; ")}`);
});
