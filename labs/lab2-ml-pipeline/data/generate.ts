/**
 * Regenerates this lab's shipped CSV from the seeded generator (no downloads).
 * Run from the repository root: node --import tsx labs/lab2-ml-pipeline/data/generate.ts
 */
import { writeFileSync } from "node:fs";
import { generateAdvertisingData } from "../../shared/index.js";
import { toCsv } from "kitelab";

export function files(): Record<string, string> {
  return { "advertising.csv": toCsv(generateAdvertisingData({ rows: 1000, seed: 7 })) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [name, text] of Object.entries(files())) writeFileSync(new URL(name, import.meta.url), text);
}
