/**
 * Regenerates this lab's shipped CSV from the seeded generator (no downloads).
 * Run from the repository root: node --import tsx labs/lab4-database-master-dag/data/generate.ts
 */
import { writeFileSync } from "node:fs";
import { generatePenguins } from "../../shared/index.js";
import { toCsv } from "kitelab";

export function files(): Record<string, string> {
  return { "penguins.csv": toCsv(generatePenguins({ seed: 344 })) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [name, text] of Object.entries(files())) writeFileSync(new URL(name, import.meta.url), text);
}
