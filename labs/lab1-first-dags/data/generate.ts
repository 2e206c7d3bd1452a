/**
 * Regenerates this lab's shipped CSV files from the seeded generator (no downloads).
 * Run from the repository root: node --import tsx labs/lab1-first-dags/data/generate.ts
 */
import { writeFileSync } from "node:fs";
import { generateIceCreamSales } from "../../shared/index.js";
import { toCsv } from "kitelab";

export function files(): Record<string, string> {
  const forecast = [21.5, 24, 27.5, 30, 33, 18, 15.5].map((temperature, index) => ({
    day: `day_${index + 1}`,
    temperature_c: temperature,
  }));
  return {
    "ice_cream_sales.csv": toCsv(generateIceCreamSales({ rows: 60, seed: 1 })),
    "forecast.csv": toCsv(forecast),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [name, text] of Object.entries(files())) writeFileSync(new URL(name, import.meta.url), text);
}
