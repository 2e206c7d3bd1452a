import { describeValue, ValidationError } from "kitelab";

/** A seeded pseudo-random source: the same seed gives the same numbers on every machine. */
export interface SeededRandom {
  /** A float in [0, 1). */
  next(): number;
  /** A float in [min, max). */
  uniform(min: number, max: number): number;
  /** A normally distributed float (Box-Muller). */
  normal(mean?: number, sd?: number): number;
  /** An integer in [min, maxExclusive). */
  integer(min: number, maxExclusive: number): number;
  /** True with probability `p`. */
  bernoulli(p: number): boolean;
  /** A shuffled copy (Fisher-Yates); the input is not changed. */
  shuffle<T>(items: readonly T[]): T[];
}

/**
 * A seeded generator (mulberry32), so generated datasets, splits and forests are
 * reproducible: a lab gives every student the same numbers.
 * @example const random = createRandom(42); random.normal(0, 1);
 */
export function createRandom(seed: number): SeededRandom {
  if (!Number.isInteger(seed)) {
    throw new ValidationError(`Expected \`seed\` to be an integer, got ${describeValue(seed)}`);
  }
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random: SeededRandom = {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    normal(mean = 0, sd = 1) {
      const u = 1 - next();
      const v = next();
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    integer: (min, maxExclusive) => min + Math.floor(next() * (maxExclusive - min)),
    bernoulli: (p) => next() < p,
    shuffle(items) {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i -= 1) {
        const j = Math.floor(next() * (i + 1));
        [copy[i], copy[j]] = [copy[j]!, copy[i]!];
      }
      return copy;
    },
  };
  return random;
}

/** Mixes a base seed with a number (say, a week index) into a new seed. */
export function deriveSeed(seed: number, salt: number): number {
  let h = (seed ^ Math.imul(salt + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
