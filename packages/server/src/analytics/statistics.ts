/**
 * Small, dependency-free statistics for poor-rates: Wilson score intervals, Newcombe's hybrid score
 * interval for a difference of proportions, and the pooled two-proportion z-test.
 */

/** z of a two-sided 95 % interval. */
export const Z95 = 1.959963984540054;

/**
 * Error function, Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7), extended to negative x by symmetry.
 */
export function erf(x: number): number {
  // The approximation leaves 1e-9 at 0; erf is odd, so answer 0 exactly (a p-value of exactly 1).
  if (x === 0) return 0;
  const sign = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * ax);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-ax * ax));
}

/** Standard normal cumulative distribution function Φ(z). */
export function normalCdf(z: number): number {
  return 0.5 * (1 + erf(z / Math.SQRT2));
}

/**
 * Wilson score interval of `successes / n`. Throws for n ≤ 0 (no information) or successes outside
 * [0, n]. The bounds are clamped to [0, 1] against rounding.
 */
export function wilsonInterval(successes: number, n: number, z = Z95): [number, number] {
  if (!(n > 0)) throw new RangeError("wilsonInterval needs n > 0");
  if (successes < 0 || successes > n) throw new RangeError("successes must be within 0..n");
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, center - half), Math.min(1, center + half)];
}

export interface Proportion {
  poor: number;
  n: number;
}

export interface TwoProportionResult {
  /** pA − pB. */
  difference: number;
  /** 95 % interval of the difference: Newcombe's hybrid score method (method 10, from Wilson intervals). */
  ci95: [number, number];
  /** Pooled two-proportion z statistic (0 when both cohorts are all poor or all fine). */
  z: number;
  /** Two-sided p-value of z under the normal approximation. */
  pValue: number;
}

/** Compare the poor-rates of two cohorts (both need n > 0). */
export function twoProportionTest(a: Proportion, b: Proportion): TwoProportionResult {
  const pa = a.poor / a.n;
  const pb = b.poor / b.n;
  const difference = pa - pb;
  const [la, ua] = wilsonInterval(a.poor, a.n);
  const [lb, ub] = wilsonInterval(b.poor, b.n);
  const ci95: [number, number] = [
    difference - Math.sqrt((pa - la) ** 2 + (ub - pb) ** 2),
    difference + Math.sqrt((ua - pa) ** 2 + (pb - lb) ** 2),
  ];
  const pooled = (a.poor + b.poor) / (a.n + b.n);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.n + 1 / b.n));
  const z = se > 0 ? difference / se : 0;
  const pValue = Math.min(1, 2 * (1 - normalCdf(Math.abs(z))));
  return { difference, ci95, z, pValue };
}
