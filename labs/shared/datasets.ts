import { checkPositiveInteger } from "./checks.js";
import { createRandom, deriveSeed, type SeededRandom } from "./random.js";
import { describeValue, ValidationError } from "kitelab";

/**
 * Deterministic datasets for the labs: no downloads, the same rows for every student.
 * Column names follow the public datasets the original course used.
 */

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

export type IceCreamRow = {
  temperature_c: number;
  sales: number;
};

/** Lab 1: daily ice-cream sales against temperature, roughly `sales = 12 × temp - 40`. */
export function generateIceCreamSales(options: { rows?: number; seed?: number } = {}): IceCreamRow[] {
  const rows = checkPositiveInteger(options.rows ?? 60, "rows");
  const random = createRandom(options.seed ?? 1);
  return Array.from({ length: rows }, () => {
    const temperature = round(random.uniform(12, 35), 1);
    return { temperature_c: temperature, sales: Math.max(0, Math.round(12 * temperature - 40 + random.normal(0, 15))) };
  });
}

/** A row of the advertising dataset (lab 2). */
export type AdvertisingRow = {
  "Daily Time Spent on Site": number;
  Age: number;
  "Area Income": number;
  "Daily Internet Usage": number;
  Male: number;
  "Clicked on Ad": number;
};

export const ADVERTISING_FEATURES = [
  "Daily Time Spent on Site",
  "Age",
  "Area Income",
  "Daily Internet Usage",
  "Male",
] as const;
export const ADVERTISING_LABEL = "Clicked on Ad";

/**
 * Lab 2: who clicks an ad. Clickers spend less time on the site and online, are older and
 * earn less; the classes overlap so that logistic regression reaches about 90% accuracy.
 */
export function generateAdvertisingData(options: { rows?: number; seed?: number } = {}): AdvertisingRow[] {
  const rows = checkPositiveInteger(options.rows ?? 1000, "rows");
  const random = createRandom(options.seed ?? 7);
  return Array.from({ length: rows }, () => {
    const clicked = random.bernoulli(0.5) ? 1 : 0;
    return {
      "Daily Time Spent on Site": round(clamp(random.normal(clicked ? 57 : 73, 10), 32, 91.5)),
      Age: Math.round(clamp(random.normal(clicked ? 40 : 33, 7.5), 19, 61)),
      "Area Income": round(clamp(random.normal(clicked ? 50_000 : 59_000, 12_500), 13_000, 80_000)),
      "Daily Internet Usage": round(clamp(random.normal(clicked ? 160 : 205, 28), 104, 270)),
      Male: random.bernoulli(0.48) ? 1 : 0,
      "Clicked on Ad": clicked,
    };
  });
}

/** A row of the petrol consumption table (lab 3). */
export type PetrolRow = {
  Petrol_tax: number;
  Average_income: number;
  Paved_Highways: number;
  "Population_Driver_licence(%)": number;
  Petrol_Consumption: number;
};

export const PETROL_FEATURES = [
  "Petrol_tax",
  "Average_income",
  "Paved_Highways",
  "Population_Driver_licence(%)",
] as const;
export const PETROL_TARGET = "Petrol_Consumption";

/** Lab 3: 48 states' petrol consumption from tax, income, roads and licences. */
export function generatePetrolConsumption(options: { rows?: number; seed?: number } = {}): PetrolRow[] {
  const rows = checkPositiveInteger(options.rows ?? 48, "rows");
  const random = createRandom(options.seed ?? 48);
  return Array.from({ length: rows }, () => {
    const tax = round(clamp(random.normal(7.7, 0.95), 5, 10), 1);
    const income = Math.round(clamp(random.normal(4240, 570), 3060, 5350));
    const highways = Math.round(clamp(Math.exp(random.normal(8.4, 0.75)), 430, 17_800));
    const licence = round(clamp(random.normal(0.57, 0.055), 0.45, 0.73), 3);
    const consumption = 380 - 34 * tax - 0.066 * income - 0.0024 * highways + 1340 * licence + random.normal(0, 25);
    return {
      Petrol_tax: tax,
      Average_income: income,
      Paved_Highways: highways,
      "Population_Driver_licence(%)": licence,
      Petrol_Consumption: Math.round(clamp(consumption, 340, 970)),
    };
  });
}

/** A row of the penguins table (lab 4), with "NA" where a value is missing, as in the original file. */
export type PenguinRow = {
  species: string;
  island: string;
  bill_length_mm: number | "NA";
  bill_depth_mm: number | "NA";
  flipper_length_mm: number | "NA";
  body_mass_g: number | "NA";
  sex: "male" | "female" | "NA";
};

export const PENGUIN_MEASUREMENTS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"] as const;

const PENGUIN_GROUPS: Array<{ species: string; island: string; count: number; mean: number[]; sd: number[] }> = [
  { species: "Adelie", island: "Torgersen", count: 52, mean: [38.9, 18.4, 191, 3700], sd: [2.6, 1.2, 6.2, 445] },
  { species: "Adelie", island: "Biscoe", count: 44, mean: [38.9, 18.3, 189, 3710], sd: [2.5, 1.2, 6.7, 490] },
  { species: "Adelie", island: "Dream", count: 56, mean: [38.5, 18.2, 190, 3690], sd: [2.5, 1.1, 6.6, 455] },
  { species: "Chinstrap", island: "Dream", count: 68, mean: [48.8, 18.4, 196, 3730], sd: [3.3, 1.1, 7.1, 384] },
  { species: "Gentoo", island: "Biscoe", count: 124, mean: [47.5, 15.0, 217, 5080], sd: [3.1, 1.0, 6.5, 504] },
];

/** Rows whose measurements are all missing, and rows whose sex is missing (as in the original 344 rows). */
const ALL_MISSING = new Set([3, 271]);
const SEX_MISSING = new Set([8, 9, 10, 11, 47, 178, 218, 256, 268, 271, 3]);

/** Lab 4: 344 penguins of three species on three islands, with a few missing values. */
export function generatePenguins(options: { seed?: number } = {}): PenguinRow[] {
  const random = createRandom(options.seed ?? 344);
  const rows: PenguinRow[] = [];
  for (const group of PENGUIN_GROUPS) {
    for (let i = 0; i < group.count; i += 1) {
      const male = random.bernoulli(0.5);
      const shift = male ? 0.55 : -0.55;
      const value = (k: number, digits: number) =>
        round(group.mean[k]! + group.sd[k]! * (shift + random.normal(0, 0.85)), digits);
      const index = rows.length;
      const missing = ALL_MISSING.has(index);
      rows.push({
        species: group.species,
        island: group.island,
        bill_length_mm: missing ? "NA" : value(0, 1),
        bill_depth_mm: missing ? "NA" : value(1, 1),
        flipper_length_mm: missing ? "NA" : Math.round(value(2, 0)),
        body_mass_g: missing ? "NA" : Math.round(value(3, 0) / 25) * 25,
        sex: SEX_MISSING.has(index) ? "NA" : male ? "male" : "female",
      });
    }
  }
  return rows;
}

/** A row of lab 5's weekly loan applications. */
export type LoanRow = {
  /** ISO date of the application, inside the week's data interval. */
  date: string;
  income_k: number;
  debt_ratio: number;
  defaulted: number;
};

export const LOAN_FEATURES = ["income_k", "debt_ratio"] as const;
export const LOAN_LABEL = "defaulted";

/** Lab 5's first week: the drift is counted in weeks from here. */
export const DRIFT_ORIGIN = new Date("2021-01-04T00:00:00Z");
const WEEK_MS = 7 * 24 * 3600 * 1000;

/** Whole weeks between the drift origin and `date` (negative before it). */
export function weekIndex(date: Date): number {
  return Math.floor((date.getTime() - DRIFT_ORIGIN.getTime()) / WEEK_MS);
}

export interface DriftingDataOptions {
  /** Inclusive start of the data interval. */
  start: Date;
  /** Exclusive end of the data interval. */
  end: Date;
  /** Applications per day. @default 40 */
  perDay?: number;
  /** @default 2021 */
  seed?: number;
}

/**
 * Lab 5: loan applications for the days in `[start, end)`, with drift over the weeks:
 * - data drift: incomes rise about 2.5% a week, so the income distribution moves;
 * - concept drift: the debt ratio at which people default falls week after week
 *   (money gets tighter), so yesterday's decision boundary slowly goes wrong.
 * A day's applications are stamped at noon UTC and belong to the window that holds that
 * instant, so [Mon 05:00, next Mon 05:00) is Monday to Sunday. Each day's rows depend only
 * on the day and the seed, so any window can be regenerated.
 */
export function generateDriftingLoans(options: DriftingDataOptions): LoanRow[] {
  const { start, end } = options;
  if (!(start instanceof Date) || !(end instanceof Date) || Number.isNaN(start.getTime()) || !(end > start)) {
    throw new ValidationError(
      `Expected \`start\` and \`end\` to be dates with start < end, got ${describeValue(start)} and ${describeValue(end)}`,
    );
  }
  const perDay = checkPositiveInteger(options.perDay ?? 40, "perDay");
  const rows: LoanRow[] = [];
  const day = 24 * 3600 * 1000;
  for (let t = Math.floor(start.getTime() / day) * day; t < end.getTime(); t += day) {
    const noon = t + day / 2;
    if (noon < start.getTime() || noon >= end.getTime()) continue;
    const dayNumber = Math.round((t - DRIFT_ORIGIN.getTime()) / day);
    const random = createRandom(deriveSeed(options.seed ?? 2021, dayNumber + 100_000));
    for (let i = 0; i < perDay; i += 1)
      rows.push(loanApplication(random, dayNumber / 7, new Date(t).toISOString().slice(0, 10)));
  }
  return rows;
}

function loanApplication(random: SeededRandom, weeks: number, date: string): LoanRow {
  const income = Math.max(10, random.normal(50 * 1.025 ** weeks, 12));
  const debtRatio = clamp(random.normal(0.35, 0.13), 0.01, 0.95);
  const threshold = 0.5 - 0.018 * weeks + 0.002 * (income - 50);
  const risk = 14 * (debtRatio - threshold);
  return {
    date,
    income_k: round(income, 1),
    debt_ratio: round(debtRatio, 3),
    defaulted: random.next() < 1 / (1 + Math.exp(-risk)) ? 1 : 0,
  };
}
