/**
 * Poor-rates that stay unbiased when surveys are asked with unequal probabilities (sampling by network
 * band: every call after a poor network, one good-network call in ten…). Each survey carries the
 * probability `π` it was asked with (`askProbability`, 1 when absent) and counts with weight `w = 1/π`:
 * a survey asked with probability 0.1 stands for ten calls.
 *
 * **Estimator.** The Hájek (ratio) estimator of the poor-rate,
 *
 *     p̂ = Σ wᵢ yᵢ / Σ wᵢ          (yᵢ = 1 for a poor rating, else 0)
 *
 * which, unlike the Horvitz–Thompson total divided by a known population size, needs no count of the
 * calls never surveyed, and is unchanged when all weights are scaled (uniform sampling gives the plain
 * proportion). Hájek, "Comment on a paper by D. Basu", in Foundations of Statistical Inference (1971);
 * Särndal, Swensson & Wretman, *Model Assisted Survey Sampling* (1992), §5.7.
 *
 * **Variance.** Taylor linearisation of the ratio (the "sandwich" variance of a weighted mean): with
 * residuals `zᵢ = wᵢ (yᵢ − p̂) / Σw`, treating the surveys as drawn with replacement,
 *
 *     V̂(p̂) = n / (n − 1) · Σ zᵢ²
 *
 * (Särndal et al. result 5.7.4 with the with-replacement simplification, as survey packages do by
 * default; it leaves out the finite-population correction, so it errs on the wide side.) Because
 * yᵢ² = yᵢ, `Σ wᵢ² (yᵢ − p̂)² = Σ wᵢ² yᵢ · (1 − 2p̂) + p̂² Σ wᵢ²`, so five sums — n, Σw, Σwy, Σw²,
 * Σw²y — are all that is needed: a {@link WeightedTally} that rollups can add up.
 *
 * **Interval.** A Wald interval p̂ ± 1.96·√V̂ undercovers near 0 and 1 and with few surveys, as it does
 * unweighted. The interval here is the Wilson score interval at the *effective sample size*
 * `n* = p̂(1 − p̂) / V̂` (the size of a simple random sample with the same variance), the
 * design-effect-adjusted Wilson interval of Kish (1965) and Korn & Graubard (1998, "Confidence intervals
 * for proportions with small expected number of positive counts estimated from survey data", Survey
 * Methodology 24). When p̂ is 0 or 1 (V̂ = 0) n* is Kish's `(Σw)² / Σw²`. With equal weights n* = n − 1
 * and the interval is the ordinary Wilson interval.
 *
 * @module
 */
import { wilsonInterval, Z95 } from "./statistics.js";

/** The sums a weighted poor-rate needs; additive, so tallies of slots, days or cohorts merge by adding. */
export interface WeightedTally {
  /** Surveys counted (unweighted): how many were asked and answered. */
  surveys: number;
  /** Σw: the calls the surveys stand for. */
  weight: number;
  /** Σw over poor ratings. */
  poorWeight: number;
  /** Σw². */
  weightSquared: number;
  /** Σw² over poor ratings. */
  poorWeightSquared: number;
}

/** A weighted poor-rate with its interval. */
export interface WeightedRate {
  /** p̂, the Hájek estimate of the share of calls rated poor. */
  rate: number;
  /** 95 % interval (Wilson at the effective sample size), clamped to [0, 1]. */
  ci95: [number, number];
  /** √V̂, the linearisation standard error of p̂; null from a single survey. */
  standardError: number | null;
  /** n*: the size of a simple random sample as precise as these surveys. */
  effectiveSize: number;
  /** Surveys counted (unweighted). */
  surveys: number;
  /** Σw: the calls they stand for. */
  weightedCount: number;
}

/** A tally of no surveys. */
export const emptyTally = (): WeightedTally => ({
  surveys: 0,
  weight: 0,
  poorWeight: 0,
  weightSquared: 0,
  poorWeightSquared: 0,
});

/**
 * Count one survey: `poor` its rating, `askProbability` the probability it was asked with (absent: 1).
 * Throws for a probability outside (0, 1], which validation never lets through.
 */
export function tallySurvey(tally: WeightedTally, poor: boolean, askProbability = 1): WeightedTally {
  if (!(askProbability > 0 && askProbability <= 1)) throw new RangeError("askProbability must be in (0, 1]");
  const w = 1 / askProbability;
  return {
    surveys: tally.surveys + 1,
    weight: tally.weight + w,
    poorWeight: tally.poorWeight + (poor ? w : 0),
    weightSquared: tally.weightSquared + w * w,
    poorWeightSquared: tally.poorWeightSquared + (poor ? w * w : 0),
  };
}

/** The sum of tallies (slots into days, cohorts into totals). */
export function mergeTallies(...tallies: WeightedTally[]): WeightedTally {
  const out = emptyTally();
  for (const t of tallies) for (const key of Object.keys(out) as (keyof WeightedTally)[]) out[key] += t[key];
  return out;
}

/**
 * The weighted poor-rate of a tally, its linearisation standard error and its 95 % interval (see the
 * module notes). Throws for a tally without surveys (no information) or with inconsistent sums.
 *
 * @example
 * ```ts
 * let t = emptyTally();
 * t = tallySurvey(t, true, 1);    // a poor rating after a poor-network call, always asked
 * t = tallySurvey(t, false, 0.1); // a good rating after a good-network call, asked 1 in 10
 * weightedPoorRate(t).rate;       // 1 / 11 ≈ 0.09, where the unweighted share would say 0.5
 * ```
 */
export function weightedPoorRate(tally: WeightedTally, z = Z95): WeightedRate {
  const { surveys: n, weight, poorWeight, weightSquared, poorWeightSquared } = tally;
  if (!(n > 0) || !(weight > 0)) throw new RangeError("weightedPoorRate needs at least one survey");
  if (poorWeight < 0 || poorWeight > weight * (1 + 1e-12) || poorWeightSquared > weightSquared * (1 + 1e-12))
    throw new RangeError("inconsistent tally: poor sums exceed the totals");
  const rate = Math.min(1, poorWeight / weight);
  // Σ wᵢ² (yᵢ − p̂)², from the sums; rounding can leave it a hair below 0.
  const squares = Math.max(0, poorWeightSquared * (1 - 2 * rate) + rate * rate * weightSquared);
  const variance = n > 1 ? ((n / (n - 1)) * squares) / (weight * weight) : Number.NaN;
  const kish = (weight * weight) / weightSquared;
  const effectiveSize = variance > 0 ? (rate * (1 - rate)) / variance : kish;
  return {
    rate,
    ci95: wilsonInterval(rate * effectiveSize, effectiveSize, z),
    standardError: Number.isFinite(variance) ? Math.sqrt(variance) : null,
    effectiveSize,
    surveys: n,
    weightedCount: weight,
  };
}
