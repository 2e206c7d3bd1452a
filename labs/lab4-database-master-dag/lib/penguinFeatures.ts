/**
 * How a penguin becomes numbers for a model: the four measurements standardized with the
 * training set's mean and standard deviation, then one-hot island and sex. Used by the
 * preprocessing DAG and by the inference API, so both encode a penguin the same way.
 */
export const MEASUREMENTS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"] as const;
export const ISLANDS = ["Biscoe", "Dream", "Torgersen"] as const;
export const FEATURE_COLUMNS = [...MEASUREMENTS, ...ISLANDS.map((island) => `island_${island}`), "sex_male"];

/** Mean and standard deviation of each measurement on the training rows. */
export type ScalerStats = Record<string, { mean: number; std: number }>;

export interface RawPenguin {
  island?: unknown;
  sex?: unknown;
  bill_length_mm?: unknown;
  bill_depth_mm?: unknown;
  flipper_length_mm?: unknown;
  body_mass_g?: unknown;
}

/** Why a raw penguin cannot be encoded, or undefined when it can. */
export function penguinProblem(penguin: RawPenguin): string | undefined {
  for (const column of MEASUREMENTS) {
    const value = penguin[column];
    if (typeof value !== "number" || !Number.isFinite(value)) return `\`${column}\` must be a number, got ${JSON.stringify(value) ?? "nothing"}`;
  }
  if (!ISLANDS.includes(penguin.island as (typeof ISLANDS)[number])) return `\`island\` must be one of ${ISLANDS.join(", ")}, got ${JSON.stringify(penguin.island) ?? "nothing"}`;
  if (penguin.sex !== "male" && penguin.sex !== "female") return `\`sex\` must be "male" or "female", got ${JSON.stringify(penguin.sex) ?? "nothing"}`;
  return undefined;
}

export function computeScalerStats(rows: readonly RawPenguin[]): ScalerStats {
  return Object.fromEntries(
    MEASUREMENTS.map((column) => {
      const values = rows.map((row) => Number(row[column]));
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const std = Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length) || 1;
      return [column, { mean, std }];
    }),
  );
}

/** The feature vector of one penguin, in FEATURE_COLUMNS order. */
export function encodePenguin(penguin: RawPenguin, stats: ScalerStats): number[] {
  const problem = penguinProblem(penguin);
  if (problem) throw new Error(problem);
  return [
    ...MEASUREMENTS.map((column) => (Number(penguin[column]) - stats[column]!.mean) / stats[column]!.std),
    ...ISLANDS.map((island) => (penguin.island === island ? 1 : 0)),
    penguin.sex === "male" ? 1 : 0,
  ];
}
