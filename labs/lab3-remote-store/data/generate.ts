/**
 * Regenerates this lab's shipped CSV from the seeded generator (no downloads).
 * Run from the repository root: node --import tsx labs/lab3-remote-store/data/generate.ts
 */
import { writeFileSync } from "node:fs";
import { generatePetrolConsumption } from "../../shared/index.js";
import { toCsv } from "kitelab";

export function files(): Record<string, string> {
  return { "petrol_consumption.csv": toCsv(generatePetrolConsumption({ rows: 48, seed: 48 })) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [name, text] of Object.entries(files())) writeFileSync(new URL(name, import.meta.url), text);
}
